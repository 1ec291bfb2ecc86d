using System.Text;
using Gatehouse.Cluster;
using Gatehouse.Cluster.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Node.Tracking;

/// <summary>Searches of the tracking index, on a connection of their own.</summary>
internal sealed partial class TrackingIndex
{
    /// <summary>A node never answers with more messages than this, whatever was asked.</summary>
    public const int MaxResults = 200;

    /// <summary>What an answer may hold, leaving room in the stream's message for its envelope.</summary>
    public const int MaxAnswerBytes = StreamLimits.NodeToManager - (64 * 1024);

    // A repeated field's tag and length prefix.
    private const int MessageFraming = 6;

    public TrackAnswer Search(TrackQuery query)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        void Add(string condition, string name, object value)
        {
            where.Add(condition);
            command.Parameters.AddWithValue(name, value);
        }

        if (query.Mid > 0)
        {
            Add("m.mid = $mid", "$mid", query.Mid);
        }

        if (query.Sender.Length > 0)
        {
            Add(@"m.sender LIKE $sender ESCAPE '\'", "$sender", Contains(query.Sender));
        }

        if (query.Recipient.Length > 0)
        {
            Add(@"EXISTS (SELECT 1 FROM recipients r WHERE r.mid = m.mid AND r.address LIKE $recipient ESCAPE '\')", "$recipient", Contains(query.Recipient));
        }

        if (query.Subject.Length > 0)
        {
            Add(@"m.subject LIKE $subject ESCAPE '\'", "$subject", Contains(query.Subject));
        }

        if (query.Since is { } since)
        {
            Add("m.received >= $since", "$since", since.ToDateTimeOffset().ToUnixTimeMilliseconds());
        }

        if (query.Until is { } until)
        {
            Add("m.received < $until", "$until", until.ToDateTimeOffset().ToUnixTimeMilliseconds());
        }

        if (query.MessageIds.Count > 0)
        {
            var names = query.MessageIds.Take(MaxResults).Select((id, i) =>
            {
                command.Parameters.AddWithValue($"$id{i}", id);
                return $"$id{i}";
            });
            where.Add($"m.message_id IN ({string.Join(", ", names)})");
        }

        var limit = query.Limit is > 0 and <= MaxResults ? query.Limit : MaxResults;
        command.CommandText = $"""
            SELECT mid, received, icid, interface, remote, tls_in, sender, subject, message_id, size, state, bounce_of, listener FROM messages m
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY received DESC, mid DESC LIMIT {limit + 1}
            """;
        var answer = new TrackAnswer();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (answer.Messages.Count == limit)
                {
                    answer.Truncated = true;
                    break;
                }

                answer.Messages.Add(new TrackedMessage
                {
                    Mid = reader.GetInt64(0),
                    Received = Stamp(reader.GetInt64(1)),
                    Icid = reader.GetInt64(2),
                    InterfaceName = reader.GetString(3),
                    RemoteAddress = reader.GetString(4),
                    TlsIn = reader.GetString(5),
                    Sender = reader.GetString(6),
                    Subject = reader.IsDBNull(7) ? "" : reader.GetString(7),
                    MessageId = reader.IsDBNull(8) ? "" : reader.GetString(8),
                    Size = reader.GetInt64(9),
                    State = reader.GetString(10),
                    BounceOf = reader.GetInt64(11),
                    Listener = reader.GetString(12),
                });
            }
        }

        // One message of the stream carries the answer: what does not fit is left out, and said to be.
        var bytes = 0L;
        var fitting = 0;
        foreach (var message in answer.Messages)
        {
            Fill(connection, message);
            bytes += message.CalculateSize() + MessageFraming;
            if (bytes > MaxAnswerBytes)
            {
                break;
            }

            fitting++;
        }

        if (fitting < answer.Messages.Count)
        {
            while (answer.Messages.Count > fitting)
            {
                answer.Messages.RemoveAt(answer.Messages.Count - 1);
            }

            answer.Truncated = true;
        }

        return answer;
    }

    private static void Fill(SqliteConnection connection, TrackedMessage message)
    {
        using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$mid", message.Mid);
        command.CommandText = "SELECT address FROM recipients WHERE mid = $mid ORDER BY rowid";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                message.Recipients.Add(reader.GetString(0));
            }
        }

        command.CommandText = "SELECT dcid, at, peer, tls, outcome, response FROM attempts WHERE mid = $mid ORDER BY rowid";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                message.Deliveries.Add(new TrackedDelivery
                {
                    Dcid = reader.GetInt64(0),
                    At = Stamp(reader.GetInt64(1)),
                    Peer = reader.GetString(2),
                    Tls = reader.GetString(3),
                    Outcome = reader.GetString(4),
                    Response = reader.GetString(5),
                });
            }
        }

        command.CommandText = "SELECT at, line FROM events WHERE mid = $mid ORDER BY rowid";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                message.Events.Add(new TrackedEvent { At = Stamp(reader.GetInt64(0)), Line = reader.GetString(1) });
            }
        }
    }

    // "Contains, without regard to case": LIKE's own wildcards in the text are taken literally.
    private static string Contains(string text)
    {
        var escaped = new StringBuilder(text.Length + 2).Append('%');
        foreach (var c in text)
        {
            if (c is '%' or '_' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.Append('%').ToString();
    }

    private static Timestamp Stamp(long unixMilliseconds) => Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));
}
