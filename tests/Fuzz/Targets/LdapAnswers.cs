using Gatehouse.Node.Ldap;

namespace Gatehouse.Fuzz.Targets;

/// <summary>A directory's answers to a bind and a search, byte for byte: malformed ones are LDAP errors.</summary>
internal sealed class LdapAnswers : FuzzTarget
{
    public override string Name => "ldap-answers";

    public override void Run(byte[] input)
    {
        var session = new LdapSession(new AnswersStream(input));
        try
        {
            session.BindAsync("cn=gatehouse,dc=example,dc=test", "secret", CancellationToken.None).GetAwaiter().GetResult();
            session.AnyEntryAsync("dc=example,dc=test", [0x87, 0x0B, .. "objectClass"u8], 5, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is LdapException or EndOfStreamException)
        {
            // The clear error for a bad or short answer.
        }
        finally
        {
            session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Reads the answers given; takes and forgets what the client writes.</summary>
    private sealed class AnswersStream(byte[] answers) : MemoryStream(answers)
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
