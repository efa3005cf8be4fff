using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AzureCompliance.Core.State.Blob
{
    /// <summary>
    /// Appends journal records to the append blob beside the snapshot. Records that arrive while an append is on its way
    /// share the next block (group commit: one request per batch, not per record). Every append is conditional on the
    /// blob's ETag as this holder last saw it, so a second writer (a run that took a broken or expired lease) is never
    /// interleaved with: the first conditional failure marks the lease lost. After any failure nothing more is appended.
    /// </summary>
    internal sealed class JournalAppender
    {
        private const int MaxBlock = 4 * 1024 * 1024;

        private readonly AppendBlobClient _blob;
        private readonly string _display;
        private readonly BlobLease _lease;
        private readonly object _gate = new object();
        private readonly List<(byte[] Record, TaskCompletionSource<bool> Done)> _pending = new List<(byte[], TaskCompletionSource<bool>)>();
        private ETag _etag;
        private bool _writing;
        private Exception? _broken;
        private long _bytes;
        private long _appendedBytes;
        private int _blocks;

        public JournalAppender(AppendBlobClient blob, string display, BlobLease lease, ETag etag, long bytes, int blocks)
        {
            _blob = blob;
            _display = display;
            _lease = lease;
            _etag = etag;
            _bytes = bytes;
            _blocks = blocks;
        }

        /// <summary>The journal's size now (what a reader replays).</summary>
        public long Bytes => Interlocked.Read(ref _bytes);

        /// <summary>Bytes this holder appended.</summary>
        public long AppendedBytes => Interlocked.Read(ref _appendedBytes);

        /// <summary>Blocks in the journal (an append blob holds at most 50,000).</summary>
        public int Blocks => Volatile.Read(ref _blocks);

        public ETag ETag { get { lock (_gate) return _etag; } }

        /// <summary>Completes when the record is durable in the journal blob.</summary>
        public Task AppendAsync(byte[] record)
        {
            _lease.ThrowIfLost();
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_broken != null)
                {
                    return Task.FromException(_broken);
                }
                _pending.Add((record, done));
                if (!_writing)
                {
                    _writing = true;
                    Task.Run(WriteLoopAsync);
                }
            }
            return done.Task;
        }

        private async Task WriteLoopAsync()
        {
            while (true)
            {
                List<(byte[] Record, TaskCompletionSource<bool> Done)> batch;
                ETag etag;
                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        _writing = false;
                        return;
                    }
                    batch = new List<(byte[], TaskCompletionSource<bool>)>();
                    var size = 0;
                    while (_pending.Count > 0 && (batch.Count == 0 || size + _pending[0].Record.Length <= MaxBlock))
                    {
                        size += _pending[0].Record.Length;
                        batch.Add(_pending[0]);
                        _pending.RemoveAt(0);
                    }
                    etag = _etag;
                }
                try
                {
                    _lease.ThrowIfLost();
                    using var content = new MemoryStream();
                    foreach (var item in batch) content.Write(item.Record, 0, item.Record.Length);
                    content.Position = 0;
                    var length = content.Length;
                    var answer = await _blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions
                    {
                        Conditions = new AppendBlobRequestConditions { IfMatch = etag },
                    }).ConfigureAwait(false);
                    lock (_gate) _etag = answer.Value.ETag;
                    Interlocked.Add(ref _bytes, length);
                    Interlocked.Add(ref _appendedBytes, length);
                    Interlocked.Increment(ref _blocks);
                    foreach (var item in batch) item.Done.TrySetResult(true);
                }
                catch (Exception ex)
                {
                    Exception error;
                    if (StorageErrors.IsStatus(ex, 412) || StorageErrors.IsStatus(ex, 404))
                    {
                        _lease.MarkLost("another run changed the journal");
                        error = StorageErrors.LeaseLost(_display, "another run changed the journal");
                    }
                    else
                    {
                        error = ex as Diagnostics.ComplianceException ?? StorageErrors.Unavailable(_display, "written", ex);
                    }
                    List<(byte[] Record, TaskCompletionSource<bool> Done)> rest;
                    lock (_gate)
                    {
                        _broken = error;
                        rest = new List<(byte[], TaskCompletionSource<bool>)>(_pending);
                        _pending.Clear();
                        _writing = false;
                    }
                    foreach (var item in batch) item.Done.TrySetException(error);
                    foreach (var item in rest) item.Done.TrySetException(error);
                    return;
                }
            }
        }

        /// <summary>Starts a new, empty journal for a new snapshot generation (replacing this one, conditionally).</summary>
        public void Reset(IDictionary<string, string> metadata)
        {
            lock (_gate)
            {
                var answer = _blob.Create(new AppendBlobCreateOptions
                {
                    Metadata = metadata,
                    Conditions = new AppendBlobRequestConditions { IfMatch = _etag },
                });
                _etag = answer.Value.ETag;
                _bytes = 0;
                _blocks = 0;
            }
        }
    }
}
