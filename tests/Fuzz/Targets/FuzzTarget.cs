namespace Gatehouse.Fuzz.Targets;

/// <summary>
/// One parser of untrusted bytes under the fuzzer. <see cref="Run"/> catches exactly the
/// exceptions the parser promises for bad input (its clear error); anything else escapes and is
/// a crash the fuzzer keeps.
/// </summary>
internal abstract class FuzzTarget
{
    public abstract string Name { get; }

    public abstract void Run(byte[] input);

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new SmtpCommandLines(), new SmtpData(), new LdapAnswers(), new MtaStsPolicies(), new TlsRptRecords(),
        new TlsaRecords(), new YamlConfiguration(), new PemKeys(), new Pkcs12Imports(), new UrlExtraction(),
    ];
}
