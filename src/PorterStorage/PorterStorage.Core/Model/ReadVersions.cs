using System;
using System.Collections.Generic;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// The version of each document as a run first read it (a file's identity and content hash, a blob's ETag), by store path: what
    /// the plan saw, and what a change must still find there before it replaces, renames or removes it. Safe from several threads.
    /// </summary>
    internal sealed class ReadVersions
    {
        private readonly Dictionary<string, string> _versions = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Keeps <paramref name="version"/> as what was read of <paramref name="path"/>, unless an earlier read is kept (an empty one is no version).</summary>
        public void FirstRead(string path, string version)
        {
            lock (_versions)
            {
                if (version.Length > 0 && !_versions.ContainsKey(path))
                {
                    _versions[path] = version;
                }
            }
        }

        /// <summary>The version of <paramref name="path"/> as this run first read it, or null when it did not.</summary>
        public string? VersionOf(string path)
        {
            lock (_versions)
            {
                return _versions.TryGetValue(path, out string? version) ? version : null;
            }
        }

        /// <summary>Forgets what was read of a path this run has written, moved or removed.</summary>
        public void Forget(string path)
        {
            lock (_versions)
            {
                _versions.Remove(path);
            }
        }

        /// <summary>Forgets every read.</summary>
        public void Clear()
        {
            lock (_versions)
            {
                _versions.Clear();
            }
        }
    }
}
