using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.State
{
    /// <summary>
    /// Lets one run at a time work on a state. For a local file the lock is an exclusively opened file next to it, which
    /// the operating system releases when the holder dies, even by kill -9: a crashed run never blocks the next. For
    /// state in Azure Storage it is a blob lease (<see cref="Blob.BlobLease"/>) that expires when its holder stops renewing it.
    /// </summary>
    public sealed class RunLock : IDisposable
    {
        private readonly IDisposable _holder;

        private RunLock(IDisposable holder) => _holder = holder;

        /// <summary>What holds the lock (the lock file, or the blob lease).</summary>
        internal IDisposable Holder => _holder;

        internal static RunLock Held(IDisposable holder) => new RunLock(holder);

        internal static ComplianceException InUse(string location, TimeSpan wait, Exception? inner = null) =>
            new ComplianceException("StateInUse", ComplianceErrorCategory.ResourceUnavailable,
                $"Another run is using the state {location} and did not finish within {wait.TotalSeconds:0} s.",
                location, "Wait for the other run to finish, or give this run its own -StatePath.", inner);

        public static async Task<RunLock> AcquireAsync(string statePath, TimeSpan wait, CancellationToken cancellationToken)
        {
            var lockPath = statePath + ".lock";
            var deadline = DateTime.UtcNow + wait;
            while (true)
            {
                try
                {
                    var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    var owner = Encoding.UTF8.GetBytes($"{Environment.MachineName} pid {Process.GetCurrentProcess().Id} since {DateTimeOffset.UtcNow:u}");
                    stream.SetLength(0);
                    stream.Write(owner, 0, owner.Length);
                    stream.Flush();
                    return new RunLock(stream);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    throw InUse(statePath, wait, ex);
                }
            }
        }

        public void Dispose() => _holder.Dispose();
    }
}
