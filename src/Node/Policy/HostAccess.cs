using System.Net;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.Node.Policy;

/// <summary>What the HAT decided for a connection: the sender group, the member that matched, the policy.</summary>
internal sealed record AccessDecision(string Group, string Match, MailFlowPolicy Policy);

/// <summary>
/// The Host Access Table (IN-2): the listener's sender groups in order, first match wins
/// (a CONTINUE policy goes on to the next group); no match gives the default policy.
/// </summary>
internal static class HostAccess
{
    private static readonly MailFlowPolicy Refuse = new() { Name = "(none)", Behavior = PolicyBehavior.Reject };

    public static AccessDecision Decide(LevelConfig config, Listener listener, IPAddress client, ReverseName reverse)
    {
        var verifiedHost = reverse.Verified ? reverse.Host : null;
        foreach (var name in listener.HostAccessTable)
        {
            var group = config.SenderGroups.FirstOrDefault(g => g.Name == name);
            var member = group?.Members.FirstOrDefault(m => SenderMember.Matches(m, client, verifiedHost));
            if (member is null)
            {
                continue;
            }

            var policy = Policy(config, group!.Policy);
            if (policy.Behavior != PolicyBehavior.Continue)
            {
                return new AccessDecision(group.Name, member, policy);
            }
        }

        // Without a default policy nothing is accepted: never an open door by omission.
        return new AccessDecision("(default)", "(none)", listener.DefaultPolicy.Length == 0 ? Refuse : Policy(config, listener.DefaultPolicy));
    }

    private static MailFlowPolicy Policy(LevelConfig config, string name) =>
        config.MailFlowPolicies.FirstOrDefault(p => p.Name == name) ?? Refuse;
}
