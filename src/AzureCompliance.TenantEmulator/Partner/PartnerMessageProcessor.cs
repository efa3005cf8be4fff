using System.Threading.Channels;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>
/// Applies data upload messages in the background once their processing delay has passed, in arrival order,
/// off the request threads. A status GET of a message that is due applies it first, so a client never sees
/// Processing after the delay, whatever the processor's backlog.
/// </summary>
internal sealed class PartnerMessageProcessor(TenantState tenant, TimeProvider time, ILogger<PartnerMessageProcessor> logger) : BackgroundService
{
    private readonly Channel<PartnerMessageEntry> _queue = Channel.CreateUnbounded<PartnerMessageEntry>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(PartnerMessageEntry message) => _queue.Writer.TryWrite(message);

    /// <summary>
    /// A status read: processes the message now if it is due and no other message is being applied at this moment
    /// (a request thread never waits for the processor); otherwise the processor gets to it shortly.
    /// </summary>
    public void ProcessIfDue(PartnerMessageEntry message)
    {
        var now = time.GetUtcNow();
        if (message.Status == PartnerMessageStatus.Processing && now >= message.DueAt)
            tenant.ProcessPartnerMessage(message, now, wait: false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                var wait = message.DueAt - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, time, stoppingToken);
                tenant.ProcessPartnerMessage(message, time.GetUtcNow());
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Processing partner message {MessageId} failed", message.MessageId);
            }
        }
    }
}
