using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Validation;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// Cuts one node's snapshot out of a version: cluster level, its group's level and its machine
/// level, with the secrets of what that node uses and nothing else. A node is the cluster's
/// Internet-facing part and the likeliest to be broken into: it gets the private keys of the
/// certificates its effective configuration presents or shows as a client and the passwords of
/// the LDAP profiles its listeners query (<see cref="NodeNeeds"/>); other certificates come
/// without their keys, DKIM signing keys only when the node signs with them, the manager's own
/// settings (its HTTPS certificate among them) not at all, and a renewal's new key and request never. The cluster level is decrypted once per version
/// and cut once per distinct set of needs, so a commit does not decrypt it once per node.
/// </summary>
internal sealed class SnapshotBuilder(SecretBox secrets)
{
    private readonly Lock gate = new();
    private ClusterCuts? latest;

    public Snapshot Build(ConfigVersion version, string node)
    {
        var cluster = ClusterOf(version);
        var machine = secrets.Open(version.Content.Machines.GetValueOrDefault(node) ?? new LevelConfig(), node);
        (string Name, LevelConfig Level)? group = null;
        if (ClusterConfig.ConfigurationService.GroupOf(version.Content, node) is { } name)
        {
            var target = ClusterConfig.LevelTarget.Of(null, name);
            group = (name, secrets.OpenAt(target.Read(version.Content), target.SecretPath));
        }

        var needs = Needs.Of(ConfigMerge.Merge(cluster.Opened, group, machine).Config);
        var snapshot = new Snapshot
        {
            Version = version.Version,
            Nonce = Guid.NewGuid().ToString("N"),
            CommittedAt = version.CommittedAt,
            Cluster = cluster.For(needs),
            Machine = needs.Cut(machine),
        };
        if (group is { } g)
        {
            snapshot.GroupName = g.Name;
            snapshot.Group = needs.Cut(g.Level);
        }

        return snapshot;
    }

    private ClusterCuts ClusterOf(ConfigVersion version)
    {
        lock (gate)
        {
            if (latest is { } held && held.Version == version.Version)
            {
                return held;
            }
        }

        var cuts = new ClusterCuts(version.Version, secrets.Open(version.Content.Cluster ?? new LevelConfig(), machine: null));
        lock (gate)
        {
            if (latest is not { } newer || newer.Version < version.Version)
            {
                latest = cuts;
            }
        }

        return cuts;
    }

    /// <summary>A version's cluster level, opened once and shared, and its cuts, each made once per set of needs.</summary>
    private sealed class ClusterCuts(long version, LevelConfig opened)
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, LevelConfig> cuts = new(StringComparer.Ordinal);

        public long Version => version;

        public LevelConfig Opened => opened;

        public LevelConfig For(Needs needs)
        {
            lock (gate)
            {
                if (!cuts.TryGetValue(needs.Key, out var cut))
                {
                    cut = needs.Cut(opened.Clone());
                    cut.Manager = null;
                    cuts[needs.Key] = cut;
                }

                return cut;
            }
        }
    }

    private sealed record Needs(IReadOnlySet<string> Certificates, IReadOnlySet<string> LdapProfiles, IReadOnlySet<string> SigningKeys, string Key)
    {
        public static Needs Of(LevelConfig effective)
        {
            var certificates = NodeNeeds.Certificates(effective);
            var profiles = NodeNeeds.LdapProfiles(effective);
            var keys = NodeNeeds.SigningKeys(effective);
            var key = string.Join("\n\n", new[] { certificates, profiles, keys }.Select(names => string.Join('\n', names.Order(StringComparer.Ordinal))));
            return new Needs(certificates, profiles, keys, key);
        }

        /// <summary>Takes out of <paramref name="level"/> (changed in place) every secret the node does not need.</summary>
        public LevelConfig Cut(LevelConfig level)
        {
            foreach (var certificate in level.Certificates)
            {
                certificate.PendingPrivateKeyPem = "";
                certificate.PendingCsrPem = "";
                if (!Certificates.Contains(certificate.Name))
                {
                    certificate.PrivateKeyPem = "";
                }
            }

            foreach (var profile in level.LdapProfiles.Where(p => !LdapProfiles.Contains(p.Name)))
            {
                profile.BindPassword = "";
            }

            foreach (var unused in level.SigningKeys.Where(k => !SigningKeys.Contains(k.Name)).ToList())
            {
                level.SigningKeys.Remove(unused);
            }

            return level;
        }
    }
}
