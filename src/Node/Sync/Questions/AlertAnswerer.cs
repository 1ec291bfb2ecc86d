using Gatehouse.Cluster.V1;
using Gatehouse.Node.Alerts;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>Mailing an alert the manager raised, like the node's own alerts (recipients, subject, back-off).</summary>
internal sealed class AlertAnswerer(AlertMailer alerts) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.Alert;

    public async Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel)
    {
        var alert = query.Alert;
        if (ManagerAlert.Problem(alert) is { } problem)
        {
            answer.Error = problem;
            return;
        }

        var mid = await alerts.RaiseAsync(alert.AlertClass, alert.Severity, alert.Key, alert.Text, cancel);
        answer.Alert = new AlertMailed { Mid = mid ?? 0 };
    }
}
