namespace Gatehouse.ClusterManager.Gui;

/// <summary>A settings page: a part of the configuration, in the appliance's menu and words.</summary>
internal sealed record GuiSection(string Field, string Menu, string Title, string? GlobalField = null, string? GlobalTitle = null);

/// <summary>The GUI's menus. Settings pages are generated from the configuration schema.</summary>
internal static class GuiSections
{
    public static readonly IReadOnlyList<GuiSection> Settings =
    [
        new("listeners", "Network", "Listeners"),
        new("ip_interfaces", "Network", "IP Interfaces"),
        new("smtp_routes", "Network", "SMTP Routes"),
        new("mail_flow_policies", "Mail Policies", "Mail Flow Policies"),
        new("sender_groups", "Mail Policies", "HAT Overview"),
        new("destination_controls", "Mail Policies", "Destination Controls", "destination_global", "Global Settings"),
        new("ldap_profiles", "System Administration", "LDAP", "ldap_global", "LDAP Global Settings"),
        new("web_security", "Security Services", "URL Filtering"),
        new("manager", "System Administration", "Manager HTTPS"),
        new("alert_recipients", "System Administration", "Alerts", "alert_settings", "Alert Settings"),
        new("system", "System Administration", "System Settings"),
    ];

    /// <summary>Menu → (title, path), special pages included, in menu order.</summary>
    public static IEnumerable<(string Menu, IReadOnlyList<(string Title, string Path)> Items)> Menus()
    {
        var items = Settings.Select(s => (s.Menu, s.Title, Path: $"/settings/{s.Field}"))
            .Prepend((Menu: "Network", Title: "Certificates", Path: "/certificates"))
            .Append((Menu: "Mail Policies", Title: "TLS Verify", Path: "/tlsverify"))
            .Concat([(Menu: "System Administration", Title: "Configuration File", Path: "/configfile"), (Menu: "System Administration", Title: "Commit History", Path: "/history"), (Menu: "System Administration", Title: "Alert Log", Path: "/alerts"), (Menu: "Monitor", Title: "Message Tracking", Path: "/tracking"), (Menu: "Monitor", Title: "Queue", Path: "/queue"), (Menu: "Monitor", Title: "TLS Reports", Path: "/tls-reports"), (Menu: "Monitor", Title: "DMARC Reports", Path: "/dmarc-reports"), (Menu: "Cluster", Title: "Nodes", Path: "/")]);
        return items.GroupBy(i => i.Menu).Select(g => (g.Key, (IReadOnlyList<(string, string)>)[.. g.Select(i => (i.Title, i.Path))]));
    }

    public static GuiSection? Find(string field) => Settings.FirstOrDefault(s => s.Field == field);
}
