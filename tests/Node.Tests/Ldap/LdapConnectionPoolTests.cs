using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Gatehouse.Node.Ldap;
using Gatehouse.Node.Model;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Tests.Ldap;

/// <summary>A directory that stops answering gets no more connections than the pool holds, and the lookups past what may wait are turned away at once.</summary>
public sealed class LdapConnectionPoolTests
{
    [Fact]
    public async Task A_silent_directory_sees_one_connection_and_lookups_beyond_the_waiting_room_are_turned_away_at_once()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var accepted = 0;
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await server.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref accepted);
                held.Add(client); // read nothing, answer nothing
            }
        });
        var profile = new LdapProfile
        {
            Name = "Silent", Host = "127.0.0.1", Port = (uint)((IPEndPoint)server.LocalEndpoint).Port, Security = LdapSecurity.None,
            BaseDn = "dc=example,dc=test", AcceptQuery = "(mail={a})", TimeoutSeconds = 2, MaxConnections = 1,
        };
        var snapshot = new NodeSnapshot(1, DateTimeOffset.UtcNow, new EffectiveConfig(new LevelConfig(), new Dictionary<string, Configuration.ConfigLevel>()),
            new Snapshot(), new Dictionary<string, ServerCertificate>(), []);
        using var directory = new RecipientDirectory(TimeProvider.System);

        var lookups = Enumerable.Range(0, 12).Select(i => directory.CheckAsync(snapshot, profile, $"user{i}@example.test", CancellationToken.None)).ToList();
        await Task.Delay(500);
        var turnedAway = lookups.Where(l => l.IsCompleted).Select(l => l.Result).ToList();
        Assert.Equal(1, Volatile.Read(ref accepted));
        // One holds the connection, eight wait for it; the other three are told at once.
        Assert.Equal(12 - 1 - LdapConnectionPool.WaitingPerConnection, turnedAway.Count);
        Assert.All(turnedAway, a => Assert.Contains("are busy", a.Detail, StringComparison.Ordinal));

        var answers = await Task.WhenAll(lookups);
        Assert.All(answers, a => Assert.Equal(DirectoryVerdict.Unavailable, a.Verdict));
        Assert.Contains(answers, a => a.Detail.Contains("stayed busy for 2 s", StringComparison.Ordinal));
        await stop.CancelAsync();
        await accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        held.ForEach(c => c.Dispose());
    }
}
