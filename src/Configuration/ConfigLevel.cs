namespace Gatehouse.Configuration;

/// <summary>Where a setting comes from (CL-1).</summary>
public enum ConfigLevel
{
    Cluster,
    Machine,

    /// <summary>A named set of machines sharing settings (CL-10); it comes between cluster and machine.</summary>
    Group,
}
