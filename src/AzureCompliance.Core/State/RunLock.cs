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
    /// Lets one run at a time work on a state file. The lock is an exclusively opened file next to it, which
    /// the operating system releases when the holder dies, even by kill -9: a crashed run never blocks the next.
    /// </summary>
    public sealed class RunLock : IDisposable
    {
        private readonly FileStream _stream;

        private RunLock(FileStream stream) => _stream = stream;

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
                    throw new ComplianceException("StateInUse", ComplianceErrorCategory.ResourceUnavailable,
                        $"Another run is using the state file {statePath} and did not finish within {wait.TotalSeconds:0} s.",
                        statePath, "Wait for the other run to finish, or give this run its own -StatePath.", ex);
                }
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}
