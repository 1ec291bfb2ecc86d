namespace Gatehouse.Configuration;

/// <summary>Where a setting comes from (CL-1).</summary>
public enum ConfigLevel
{
    Cluster,
    Machine,
}
