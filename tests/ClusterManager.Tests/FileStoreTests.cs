using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Tests;

public sealed class FileStoreTests : IDisposable
{
    private readonly ManagerFixture manager = new();

    [Fact]
    public async Task A_join_token_is_used_once_even_by_racing_nodes()
    {
        await manager.Store.AddJoinTokenAsync(Token("t1", expiresInMinutes: 10));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            manager.Store.TryUseJoinTokenAsync("t1", "hash", $"node{i}", manager.Time.GetUtcNow())));

        Assert.Single(attempts, a => a == TokenUse.Accepted);
        Assert.All(attempts.Where(a => a != TokenUse.Accepted), a => Assert.Equal(TokenUse.AlreadyUsed, a));
    }

    [Fact]
    public async Task Expired_unknown_and_wrong_secret_tokens_are_refused()
    {
        await manager.Store.AddJoinTokenAsync(Token("t1", expiresInMinutes: 1));
        var later = manager.Time.GetUtcNow().AddMinutes(2);

        Assert.Equal(TokenUse.Expired, await manager.Store.TryUseJoinTokenAsync("t1", "hash", "n", later));
        Assert.Equal(TokenUse.Unknown, await manager.Store.TryUseJoinTokenAsync("t1", "other", "n", manager.Time.GetUtcNow()));
        Assert.Equal(TokenUse.Unknown, await manager.Store.TryUseJoinTokenAsync("nope", "hash", "n", manager.Time.GetUtcNow()));
    }

    [Fact]
    public void A_second_manager_cannot_open_the_same_data_directory()
    {
        var e = Assert.Throws<StoreException>(() => new FileStore(manager.DataDir));

        Assert.Contains("in use by another manager", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removing_a_node_revokes_its_certificate_and_status_updates_do_not_bring_it_back()
    {
        await manager.Store.SaveNodeAsync(new NodeRecord { Name = "n1", CertificateSerial = "AB" });

        Assert.True(await manager.Store.RemoveNodeAsync("n1", new RevokedCertificate { Serial = "AB", NodeName = "n1" }));

        Assert.True(await manager.Store.IsRevokedAsync("AB"));
        Assert.False(await manager.Store.UpdateNodeAsync("n1", n => n.Connected = true));
        Assert.Null(await manager.Store.GetNodeAsync("n1"));
    }

    [Fact]
    public async Task Names_that_would_escape_the_store_are_refused()
    {
        await Assert.ThrowsAsync<StoreException>(() => manager.Store.SaveNodeAsync(new NodeRecord { Name = "../x" }));
    }

    public void Dispose() => manager.Dispose();

    private JoinTokenRecord Token(string id, int expiresInMinutes) => new()
    {
        Id = id,
        SecretHash = "hash",
        CreatedAt = Timestamp.FromDateTimeOffset(manager.Time.GetUtcNow()),
        ExpiresAt = Timestamp.FromDateTimeOffset(manager.Time.GetUtcNow().AddMinutes(expiresInMinutes)),
    };
}
