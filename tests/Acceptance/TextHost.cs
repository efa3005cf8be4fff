#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace AzureCompliance.Acceptance;

// Compiled by TestSetup.ps1 (Add-Type) into the pwsh that runs the tests: scenarios that assert on what the console
// shows (What if: lines, prompts, Out-Host) run in a runspace of their own with this host, as a user's console would show it.

/// <summary>
/// A host whose console is text: it keeps what Out-Host and the format views print for a user (and echoes
/// it to a writer such as the real console), and answers prompts (-Confirm) from a queue of choices.
/// </summary>
public sealed class TextHost : PSHost
{
    private readonly TextHostUserInterface _ui;

    /// <param name="echo">Where the console text also goes (e.g. the real console); null keeps it only here.</param>
    /// <param name="plainText">Remove terminal colour sequences: for text that is read, logged or asserted on.</param>
    public TextHost(TextWriter? echo = null, bool plainText = true) => _ui = new TextHostUserInterface(echo, plainText);

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override string Name => "AzureCompliance.Acceptance";
    public override PSHostUserInterface UI => _ui;
    public override Version Version => new(1, 0);

    public string Text => _ui.Text;
    public Queue<int> ChoiceAnswers => _ui.ChoiceAnswers;
    public void ClearText() => _ui.Clear();

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class TextHostUserInterface : PSHostUserInterface
    {
        private readonly StringBuilder _text = new();
        private readonly object _gate = new();
        private static readonly System.Text.RegularExpressions.Regex Sequences = new(@"\u001b\[[0-9;?]*[A-Za-z]", System.Text.RegularExpressions.RegexOptions.Compiled);
        private readonly TextWriter? _echo;
        private readonly bool _plainText;

        public TextHostUserInterface(TextWriter? echo, bool plainText)
        {
            _echo = echo;
            _plainText = plainText;
        }

        private string Clean(string value) => _plainText && value.IndexOf('\u001b') >= 0 ? Sequences.Replace(value, "") : value;

        public Queue<int> ChoiceAnswers { get; } = new();
        public string Text { get { lock (_gate) return _text.ToString(); } }
        public void Clear() { lock (_gate) _text.Clear(); }
        public override PSHostRawUserInterface RawUI { get; } = new RawUserInterface();

        public override void Write(string value) { value = Clean(value); lock (_gate) { _text.Append(value); _echo?.Write(value); } }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value) { value = Clean(value); lock (_gate) { _text.AppendLine(value); _echo?.WriteLine(value); } }
        public override void WriteErrorLine(string value) => WriteLine("ERROR: " + value);
        public override void WriteDebugLine(string message) => WriteLine("DEBUG: " + message);
        public override void WriteVerboseLine(string message) => WriteLine("VERBOSE: " + message);
        public override void WriteWarningLine(string message) => WriteLine("WARNING: " + message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteInformation(InformationRecord record) => WriteLine(record.MessageData?.ToString() ?? "");

        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice)
        {
            WriteLine("PROMPT: " + caption + " " + message);
            if (ChoiceAnswers.Count == 0)
            {
                throw new InvalidOperationException("Unexpected prompt: " + caption + " " + message);
            }
            return ChoiceAnswers.Dequeue();
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new InvalidOperationException("Unexpected prompt: " + caption + " " + message);
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new InvalidOperationException("Unexpected credential prompt");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new InvalidOperationException("Unexpected credential prompt");
        public override string ReadLine() => throw new InvalidOperationException("Unexpected ReadLine");
        public override SecureString ReadLineAsSecureString() => throw new InvalidOperationException("Unexpected ReadLine");
    }

    private sealed class RawUserInterface : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;
        public override Size BufferSize { get; set; } = new(160, 3000);
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new(160, 100);
        public override Size MaxWindowSize => new(160, 100);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get; set; } = new(160, 100);
        public override string WindowTitle { get; set; } = "";
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
