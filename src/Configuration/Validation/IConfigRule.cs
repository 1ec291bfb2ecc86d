using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>One validation rule over a node's effective configuration.</summary>
public interface IConfigRule
{
    void Check(EffectiveConfig config, ValidationErrors errors);
}
