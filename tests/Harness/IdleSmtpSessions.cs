using System.Net;

namespace Gatehouse.Harness;

/// <summary>SMTP sessions opened one after the other and left waiting after EHLO (after STARTTLS and a second EHLO when asked).</summary>
public sealed class IdleSmtpSessions : IAsyncDisposable
{
    private readonly List<SmtpProbe> probes = [];

    public int Count => probes.Count;

    public async Task OpenAsync(IPEndPoint server, int count, bool tls)
    {
        for (var i = 0; i < count; i++)
        {
            var probe = await SmtpProbe.ConnectAsync(server);
            probes.Add(probe);
            await probe.ReplyAsync();
            await probe.CommandAsync("EHLO idle.example.test");
            if (tls)
            {
                await probe.CommandAsync("STARTTLS");
                await probe.StartTlsAsync();
                await probe.CommandAsync("EHLO idle.example.test");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var probe in probes)
        {
            await probe.DisposeAsync();
        }

        probes.Clear();
    }
}
