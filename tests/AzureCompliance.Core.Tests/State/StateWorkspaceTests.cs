using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Tests.State;

/// <summary>The one way state is located and opened: default, existing or not, for reading, writing and a run.</summary>
public sealed class StateWorkspaceTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "azc-ws-" + Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }

    [Fact]
    public void A_blank_location_is_the_per_user_default()
    {
        Assert.Equal(Path.GetFullPath(StateStore.DefaultPath), StateWorkspace.For(null).Location);
        Assert.Equal(Path.GetFullPath(StateStore.DefaultPath), StateWorkspace.For("  ").Location);
    }

    [Fact]
    public void Reading_missing_state_creates_nothing_and_writing_creates_it()
    {
        var workspace = StateWorkspace.For(Path.Combine(_folder, "sub", "state.db"));
        Assert.False(workspace.Exists);
        Assert.Null(workspace.OpenForReading());
        Assert.Null(workspace.OpenExisting());
        Assert.Null(workspace.OpenForCompletion());
        Assert.False(Directory.Exists(_folder));

        using (var store = workspace.Open())
        {
            store.SetSetting("core-01", "x", "1");
        }
        Assert.True(workspace.Exists);
        using var reread = workspace.OpenForReading();
        Assert.Equal("1", reread!.GetSetting("core-01", "x"));
    }

    [Fact]
    public async Task A_second_run_lock_is_refused_with_StateInUse_until_the_first_is_released()
    {
        var workspace = StateWorkspace.For(Path.Combine(_folder, "state.db"));
        using (var first = await workspace.LockRunAsync(TimeSpan.Zero, default))
        {
            using var store = workspace.OpenForRun(first);
            var refused = await Assert.ThrowsAsync<ComplianceException>(() => StateWorkspace.For(workspace.Location).LockRunAsync(TimeSpan.FromMilliseconds(300), default));
            Assert.Equal("StateInUse", refused.ErrorId);
        }
        using var second = await workspace.LockRunAsync(TimeSpan.Zero, default);
    }
}
