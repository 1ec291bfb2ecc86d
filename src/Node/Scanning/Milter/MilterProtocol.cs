namespace Gatehouse.Node.Scanning.Milter;

/// <summary>What the MTA says to a milter (Sendmail's milter protocol, version 6).</summary>
internal static class MilterCommand
{
    public const byte Abort = (byte)'A';
    public const byte Body = (byte)'B';
    public const byte Connect = (byte)'C';
    public const byte Macro = (byte)'D';
    public const byte EndOfBody = (byte)'E';
    public const byte Helo = (byte)'H';
    public const byte Header = (byte)'L';
    public const byte Mail = (byte)'M';
    public const byte EndOfHeaders = (byte)'N';
    public const byte Negotiate = (byte)'O';
    public const byte Quit = (byte)'Q';
    public const byte Recipient = (byte)'R';
    public const byte Data = (byte)'T';
}

/// <summary>What a milter answers.</summary>
internal static class MilterReplyCode
{
    public const byte AddRecipient = (byte)'+';
    public const byte DeleteRecipient = (byte)'-';
    public const byte AddRecipientWithArguments = (byte)'2';
    public const byte Shutdown = (byte)'4';
    public const byte Accept = (byte)'a';
    public const byte ReplaceBody = (byte)'b';
    public const byte Continue = (byte)'c';
    public const byte Discard = (byte)'d';
    public const byte ChangeSender = (byte)'e';
    public const byte ConnectionFailure = (byte)'f';
    public const byte AddHeader = (byte)'h';
    public const byte InsertHeader = (byte)'i';
    public const byte ChangeHeader = (byte)'m';
    public const byte Progress = (byte)'p';
    public const byte Quarantine = (byte)'q';
    public const byte Reject = (byte)'r';
    public const byte Skip = (byte)'s';
    public const byte TemporaryFailure = (byte)'t';
    public const byte ReplyCode = (byte)'y';
}

/// <summary>The modifications a milter may ask for at the end of the message (SMFIF_*).</summary>
[Flags]
internal enum MilterActions : uint
{
    None = 0,
    AddHeaders = 0x01,
    ReplaceBody = 0x02,
    AddRecipients = 0x04,
    DeleteRecipients = 0x08,
    ChangeHeaders = 0x10,
    Quarantine = 0x20,
    ChangeSender = 0x40,
    AddRecipientsWithArguments = 0x80,
    SetMacros = 0x100,
}

/// <summary>Events a milter does not want, or does not answer, and protocol extensions (SMFIP_*).</summary>
[Flags]
internal enum MilterEvents : uint
{
    None = 0,
    NoConnect = 0x01,
    NoHelo = 0x02,
    NoMail = 0x04,
    NoRecipient = 0x08,
    NoBody = 0x10,
    NoHeaders = 0x20,
    NoEndOfHeaders = 0x40,
    NoHeaderReply = 0x80,
    NoUnknown = 0x100,
    NoData = 0x200,
    Skip = 0x400,
    RejectedRecipients = 0x800,
    NoConnectReply = 0x1000,
    NoHeloReply = 0x2000,
    NoMailReply = 0x4000,
    NoRecipientReply = 0x8000,
    NoDataReply = 0x10000,
    NoUnknownReply = 0x20000,
    NoEndOfHeadersReply = 0x40000,
    NoBodyReply = 0x80000,
    HeaderLeadingSpace = 0x100000,
}

/// <summary>The stages at which a milter may ask for macros (SMFIM_*), in the order they come.</summary>
internal enum MilterStage
{
    Connect = 0,
    Helo = 1,
    Mail = 2,
    Recipient = 3,
    Data = 4,
    EndOfMessage = 5,
    EndOfHeaders = 6,
}
