using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Validates a node's configuration with every rule and returns all errors (empty: valid).
/// The manager runs it at commit for every node; the node runs it, with its host-specific
/// rules added, before applying a snapshot.
/// </summary>
public sealed class ConfigValidator(IEnumerable<IConfigRule> rules)
{
    public static IReadOnlyList<IConfigRule> StandardRules { get; } =
    [
        new ReferenceRule(),
        new ListenerRule(),
        new MailFlowPolicyRule(),
        new CertificateRule(),
        new AddressRule(),
        new HttpsClientRule(),
        new CertificateUseRule(),
        new SystemLimitsRule(),
        new LdapProfileRule(),
        new WebSecurityRule(),
        new TlsReportingRule(),
        new ContentScannerRule(),
        new TlsPolicyRule(),
        new RevocationListRule(),
        new SigningKeyRule(),
        new DkimProfileRule(),
        new ActedOnRule(),
    ];

    public static ConfigValidator Standard { get; } = new(StandardRules);

    /// <summary>
    /// What a node checks a snapshot with (before its own host rules): the standard rules, but the
    /// certificates it does not use come without their keys (<see cref="NodeNeeds"/>).
    /// </summary>
    public static ConfigValidator OnNode { get; } =
        new(StandardRules.Select(r => r is CertificateRule ? new CertificateRule(keysOnlyWhereUsed: true) : r));

    public ConfigValidator WithRules(params IConfigRule[] extra) => new(rules.Concat(extra));

    /// <summary>Validates both levels, then their merge; returns the errors.</summary>
    public IReadOnlyList<ValidationError> Validate(LevelConfig cluster, LevelConfig machine) => Check(cluster, null, machine).All;

    /// <summary>Validates each level (the group's, when the node has one), then their merge; returns the errors.</summary>
    public IReadOnlyList<ValidationError> Validate(LevelConfig cluster, (string Name, LevelConfig Level)? group, LevelConfig machine) =>
        Check(cluster, group, machine).All;

    /// <summary>Validates both levels, then their merge; returns errors and warnings.</summary>
    public ValidationErrors Check(LevelConfig cluster, LevelConfig machine) => Check(cluster, null, machine);

    /// <summary>Validates each level, then their merge; returns errors and warnings.</summary>
    public ValidationErrors Check(LevelConfig cluster, (string Name, LevelConfig Level)? group, LevelConfig machine)
    {
        var errors = new ValidationErrors();
        LevelShapeRule.Check(cluster, ConfigLevel.Cluster, errors);
        if (group is { } g)
        {
            LevelShapeRule.Check(g.Level, ConfigLevel.Group, errors);
        }

        LevelShapeRule.Check(machine, ConfigLevel.Machine, errors);
        var effective = ConfigMerge.Merge(cluster, group, machine);
        foreach (var rule in rules)
        {
            rule.Check(effective, errors);
        }

        return errors;
    }
}
