using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State;
using AzureCompliance.Core.State.Blob;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.State;

/// <summary>State in Azure Storage without a storage account: the address, its redaction, and the journal's replay.</summary>
public sealed class BlobStateTests : IDisposable
{
    private const string Sas = "sv=2019-12-12&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00%3A00%3A00Z&sig=c2VjcmV0";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "azc-blob-" + Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }

    [Theory]
    [InlineData("https://contoso.blob.core.windows.net/state/core-01.db", true)]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/state/core-01.db", true)]
    [InlineData("/var/lib/mdm/state.db", false)]
    [InlineData(@"C:\mdm\state.db", false)]
    [InlineData("state.db", false)]
    public void A_location_is_a_blob_when_it_is_an_http_url(string location, bool blob) =>
        Assert.Equal(blob, BlobStateAddress.IsBlobAddress(location));

    [Fact]
    public void The_location_is_shown_without_its_SAS()
    {
        var workspace = StateWorkspace.For("https://contoso.blob.core.windows.net/state/core-01.db?" + Sas);
        Assert.Equal("https://contoso.blob.core.windows.net/state/core-01.db", workspace.Location);
        Assert.Equal("https://contoso.blob.core.windows.net/state/core-01.db", workspace.ToString());
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/state/a.db",
            StateWorkspace.For("http://127.0.0.1:10000/devstoreaccount1/state/a.db?" + Sas).Location);
    }

    [Fact]
    public void A_blob_without_SAS_or_connection_is_refused_with_what_to_do()
    {
        var error = Assert.Throws<ComplianceException>(() => StateWorkspace.For("https://contoso.blob.core.windows.net/state/core-01.db"));
        Assert.Equal("StateCredentialMissing", error.ErrorId);
        Assert.Contains("Connect-ComplianceTenant", error.RecommendedAction);
    }

    [Fact]
    public void A_url_that_names_no_blob_is_refused()
    {
        var error = Assert.Throws<ComplianceException>(() => StateWorkspace.For("https://contoso.blob.core.windows.net/state?" + Sas));
        Assert.Equal("StatePathInvalid", error.ErrorId);
        Assert.DoesNotContain("sig=", error.Message);
        Assert.DoesNotContain("sig=", error.Target?.ToString());
    }

    [Fact]
    public async Task Replaying_a_journal_gives_the_state_the_run_left()
    {
        Directory.CreateDirectory(_folder);
        var devices = Enumerable.Range(0, 4).Select(i => new PackedDevice(Guid.NewGuid().ToString().ToUpperInvariant(), "d" + i, null, "u", DevicePlatform.iOS,
            "17", null, i % 2 == 0, i == 3, "p", null) { Hash = "h" + i, LastUpdateMs = 1000 + i }).ToArray();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        // What a run wrote: m1 confirmed but its device 1, m2 renamed by the service to m3 and left unconfirmed.
        var journal = string.Join("\n",
            Line("sent", "m1", at, $"\"d\":[[\"{devices[0].Key}\",\"h0\",true,false,1000],[\"{devices[1].Key}\",\"h1\",false,false,1001]]"),
            Line("sent", "m2", at, $"\"d\":[[\"{devices[2].Key}\",\"h2\",true,false,1002],[\"{devices[3].Key}\",\"h3\",false,true,1003]]"),
            Line("accept", "m1", at, $"\"x\":[\"{devices[1].Key}\"]"),
            Line("rename", "m2", at, "\"to\":\"m3\"")) + "\n";

        using var store = StateStore.Open(Path.Combine(_folder, "state.db"));
        BlobJournal.Replay(store, System.Text.Encoding.UTF8.GetBytes(journal));

        using var state = new SyncStateStore(store, "core-01");
        var rows = await state.LookupAsync(devices.Select(d => d.Key).ToList());
        Assert.Equal("h0", rows[devices[0].Key].AcceptedHash);
        Assert.Null(rows[devices[1].Key].AcceptedHash);
        Assert.Null(rows[devices[1].Key].SentMessage);
        Assert.Equal("m3", rows[devices[2].Key].SentMessage);
        Assert.Equal(1003, rows[devices[3].Key].LastUpdateMs);
        var pending = await state.PendingMessagesAsync();
        Assert.Equal("m3", Assert.Single(pending).MessageId);
        Assert.Equal(1, pending[0].RetiredDevices);
    }

    private static string Line(string operation, string message, DateTimeOffset at, string body) =>
        $"{{\"o\":\"{operation}\",\"s\":\"core-01\",\"m\":\"{message}\",\"t\":{at.ToUnixTimeMilliseconds()},{body}}}";
}
