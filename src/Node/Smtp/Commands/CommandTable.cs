namespace Gatehouse.Node.Smtp.Commands;

/// <summary>The protocol as data: every command the server knows, by verb.</summary>
internal static class CommandTable
{
    private static readonly Dictionary<string, ISmtpCommand> Commands = new ISmtpCommand[]
    {
        new EhloCommand(), new HeloCommand(), new MailCommand(), new RcptCommand(), new DataCommand(),
        new RsetCommand(), new NoopCommand(), new QuitCommand(), new StartTlsCommand(), new VrfyCommand(),
    }.ToDictionary(c => c.Verb, StringComparer.OrdinalIgnoreCase);

    public static ISmtpCommand? Find(string verb) => Commands.GetValueOrDefault(verb);
}
