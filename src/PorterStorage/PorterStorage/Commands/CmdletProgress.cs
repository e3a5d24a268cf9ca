using System;
using System.Diagnostics;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Turns the core's progress reports into throttled progress records on the pipeline thread (the core
    /// reports synchronously from that thread), and always ends with a Completed record.
    /// </summary>
    internal sealed class CmdletProgress : IProgress<OperationProgress>
    {
        private readonly Cmdlet _cmdlet;
        private readonly int _activityId;
        private readonly string _activity;
        private readonly Stopwatch _since = Stopwatch.StartNew();
        private bool _started;

        public CmdletProgress(Cmdlet cmdlet, int activityId, string activity)
        {
            _cmdlet = cmdlet;
            _activityId = activityId;
            _activity = activity;
        }

        /// <summary>The last report, shown or not (what a stopped command says it had done).</summary>
        public OperationProgress? Last { get; private set; }

        public void Report(OperationProgress value)
        {
            Last = value;
            // Throttled to five records a second; the last of a known total always shows.
            if (_started && _since.ElapsedMilliseconds < 200 && (value.Total <= 0 || value.Done < value.Total))
            {
                return;
            }
            _since.Restart();
            _started = true;
            var record = new ProgressRecord(_activityId, _activity, value.ToString())
            {
                CurrentOperation = value.Item,
                PercentComplete = value.Total > 0 ? Math.Min(100, (int)(100L * value.Done / value.Total)) : -1,
            };
            _cmdlet.WriteProgress(record);
        }

        /// <summary>Closes the bar; after Ctrl+C nothing can be written, and the exception that says why the command ended is kept.</summary>
        public void Complete()
        {
            try
            {
                _cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
            catch (PipelineStoppedException)
            {
                // The pipeline is stopping: the host clears its progress itself.
            }
        }
    }
}
