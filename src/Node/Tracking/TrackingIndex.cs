using Microsoft.Data.Sqlite;

namespace Gatehouse.Node.Tracking;

/// <summary>
/// The node's message tracking index: one SQLite file under DATA/tracking holding, per message,
/// how it came in, its recipients, its delivery attempts and its mail log lines. One writer
/// (<see cref="MessageTracker"/>) applies events in batches; searches open their own connection
/// (write-ahead log: readers never wait for the writer). Pruned by age and count.
/// </summary>
internal sealed partial class TrackingIndex : IDisposable
{
    /// <summary>Lines kept per message: a message retried for days does not grow without end.</summary>
    public const int MaxEventsPerMessage = 200;

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS messages (
          mid INTEGER PRIMARY KEY, received INTEGER NOT NULL, icid INTEGER NOT NULL DEFAULT 0,
          listener TEXT NOT NULL DEFAULT '', interface TEXT NOT NULL DEFAULT '', remote TEXT NOT NULL DEFAULT '', tls_in TEXT NOT NULL DEFAULT '',
          sender TEXT NOT NULL DEFAULT '', subject TEXT, message_id TEXT, size INTEGER NOT NULL DEFAULT 0,
          state TEXT NOT NULL DEFAULT 'received', bounce_of INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS messages_received ON messages (received);
        CREATE INDEX IF NOT EXISTS messages_message_id ON messages (message_id);
        CREATE TABLE IF NOT EXISTS recipients (mid INTEGER NOT NULL, address TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS recipients_mid ON recipients (mid);
        CREATE TABLE IF NOT EXISTS attempts (
          mid INTEGER NOT NULL, dcid INTEGER NOT NULL, at INTEGER NOT NULL, peer TEXT NOT NULL, tls TEXT NOT NULL,
          outcome TEXT NOT NULL DEFAULT '', response TEXT NOT NULL DEFAULT '');
        CREATE INDEX IF NOT EXISTS attempts_mid ON attempts (mid);
        CREATE TABLE IF NOT EXISTS events (mid INTEGER NOT NULL, at INTEGER NOT NULL, line TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS events_mid ON events (mid);
        """;

    public const string FileName = "index.db";

    private readonly string connectionString;
    private readonly SqliteConnection writer;

    // Each statement is parsed once and reused: every mail log line runs one of them.
    private readonly Dictionary<string, SqliteCommand> prepared = new(StringComparer.Ordinal);

    // Lines held per message, known without asking the database (read once per message and run).
    // Bounded: forgetting only costs one count query when the message writes its next line.
    private readonly Dictionary<long, int> lineCounts = [];
    private const int MaxRemembered = 100_000;
    private SqliteTransaction? transaction;

    public TrackingIndex(string directory)
    {
        Directory.CreateDirectory(directory);
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, FileName), Pooling = false }.ToString();
        writer = new SqliteConnection(connectionString);
        try
        {
            writer.Open();
            Execute(Schema);
            if (Command("PRAGMA quick_check").ExecuteScalar() is not "ok" and var problem)
            {
                throw new SqliteException($"the index is damaged: {problem}", 11);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var command in prepared.Values)
        {
            command.Dispose();
        }

        writer.Dispose();
    }

    /// <summary>Applies a batch of changes in one transaction: one disk write per batch, not per line.</summary>
    public void Write(Action<TrackingIndex> changes)
    {
        try
        {
            using (transaction = writer.BeginTransaction())
            {
                changes(this);
                transaction.Commit();
            }
        }
        catch
        {
            // The batch was rolled back: what it remembered of messages and their lines is not in the index.
            lineCounts.Clear();
            throw;
        }
        finally
        {
            transaction = null;
        }
    }

    public void StartMessage(long mid, DateTimeOffset at, long icid, string listener, string iface, string remote, string tlsIn, long bounceOf) =>
        Execute("""
            INSERT INTO messages (mid, received, icid, listener, interface, remote, tls_in, bounce_of) VALUES ($mid, $at, $icid, $listener, $iface, $remote, $tls, $bounce)
            ON CONFLICT (mid) DO UPDATE SET icid = $icid, listener = $listener, interface = $iface, remote = $remote, tls_in = $tls, bounce_of = $bounce
            """, ("$mid", mid), ("$at", at.ToUnixTimeMilliseconds()), ("$icid", icid), ("$listener", listener), ("$iface", iface), ("$remote", remote), ("$tls", tlsIn), ("$bounce", bounceOf));

    /// <summary>A line of the message's; the message is recorded first if it was not (mail the node generated).</summary>
    public void AddEvent(long mid, DateTimeOffset at, string line)
    {
        var when = at.ToUnixTimeMilliseconds();
        if (!lineCounts.TryGetValue(mid, out var count))
        {
            if (lineCounts.Count >= MaxRemembered)
            {
                lineCounts.Clear();
            }

            Execute("INSERT OR IGNORE INTO messages (mid, received) VALUES ($mid, $at)", ("$mid", mid), ("$at", when));
            count = Convert.ToInt32(Command("SELECT count(*) FROM events WHERE mid = $mid", ("$mid", mid)).ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (count < MaxEventsPerMessage)
        {
            Execute("INSERT INTO events (mid, at, line) VALUES ($mid, $at, $line)", ("$mid", mid), ("$at", when), ("$line", line));
            count++;
        }

        lineCounts[mid] = count;
    }

    public void SetSender(long mid, string sender) => Execute("UPDATE messages SET sender = $v WHERE mid = $mid", ("$mid", mid), ("$v", sender));

    public void SetSubject(long mid, string subject) => Execute("UPDATE messages SET subject = $v WHERE mid = $mid", ("$mid", mid), ("$v", subject));

    public void SetMessageId(long mid, string messageId) => Execute("UPDATE messages SET message_id = $v WHERE mid = $mid", ("$mid", mid), ("$v", messageId));

    public void SetSize(long mid, long size) => Execute("UPDATE messages SET size = $v WHERE mid = $mid", ("$mid", mid), ("$v", size));

    public void SetState(long mid, string state) => Execute("UPDATE messages SET state = $v WHERE mid = $mid", ("$mid", mid), ("$v", state));

    public void AddRecipient(long mid, string address) =>
        Execute("INSERT INTO recipients (mid, address) VALUES ($mid, $v)", ("$mid", mid), ("$v", address));

    public void StartAttempt(long mid, long dcid, DateTimeOffset at, string peer, string tls) =>
        Execute("INSERT INTO attempts (mid, dcid, at, peer, tls) VALUES ($mid, $dcid, $at, $peer, $tls)",
            ("$mid", mid), ("$dcid", dcid), ("$at", at.ToUnixTimeMilliseconds()), ("$peer", peer), ("$tls", tls));

    /// <summary>The receiver's answer to the message's latest attempt.</summary>
    public void SetResponse(long mid, string response) =>
        Execute("UPDATE attempts SET response = $v WHERE rowid = (SELECT max(rowid) FROM attempts WHERE mid = $mid)", ("$mid", mid), ("$v", response));

    /// <summary>How an attempt ended; one without a connection (DCID 0) is recorded here.</summary>
    public void EndAttempt(long mid, long dcid, DateTimeOffset at, string outcome, string? response)
    {
        var updated = Execute("""
            UPDATE attempts SET outcome = $outcome, response = coalesce($response, response)
            WHERE rowid = (SELECT max(rowid) FROM attempts WHERE mid = $mid AND dcid = $dcid) AND (dcid <> 0 OR outcome = '')
            """, ("$mid", mid), ("$dcid", dcid), ("$outcome", outcome), ("$response", response));
        if (updated == 0)
        {
            Execute("INSERT INTO attempts (mid, dcid, at, peer, tls, outcome, response) VALUES ($mid, $dcid, $at, '', '', $outcome, $response)",
                ("$mid", mid), ("$dcid", dcid), ("$at", at.ToUnixTimeMilliseconds()), ("$outcome", outcome), ("$response", response ?? ""));
        }
    }

    /// <summary>Drops messages received before <paramref name="cutoff"/> and the oldest beyond <paramref name="maxMessages"/>.</summary>
    public int Prune(DateTimeOffset cutoff, long maxMessages)
    {
        var oldestKept = cutoff.ToUnixTimeMilliseconds();
        if (Command("SELECT received FROM messages ORDER BY received DESC LIMIT 1 OFFSET $max", ("$max", maxMessages)).ExecuteScalar() is long nth)
        {
            oldestKept = Math.Max(oldestKept, nth + 1);
        }

        var removed = 0;
        Write(index =>
        {
            foreach (var table in (string[])["events", "attempts", "recipients"])
            {
                index.Execute($"DELETE FROM {table} WHERE mid IN (SELECT mid FROM messages WHERE received < $cut)", ("$cut", oldestKept));
            }

            removed = index.Execute("DELETE FROM messages WHERE received < $cut", ("$cut", oldestKept));
        });
        lineCounts.Clear();
        return removed;
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters) => Command(sql, parameters).ExecuteNonQuery();

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        if (!prepared.TryGetValue(sql, out var command))
        {
            command = writer.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            prepared[sql] = command;
        }

        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters[name].Value = value ?? DBNull.Value;
        }

        return command;
    }

}
