using System.Collections.Generic;
using System.IO;

namespace PorterStorage.Core.IO
{
    /// <summary>
    /// Porter's file-mode rule (format §2.4): Porter v0.38.7+ refuses a file under its data folders (or its config) with
    /// permission bits beyond 0600. The one place that knows the modes and the predicate.
    /// </summary>
    public static class PorterFileModes
    {
        /// <summary>0600: owner read/write, what Porter writes and demands.</summary>
        public const int PrivateFile = 0x180;

        /// <summary>0700: owner only, for the folders the module creates.</summary>
        public const int PrivateFolder = 0x1C0;

        /// <summary>0777: every permission bit (no set-id or sticky bits).</summary>
        public const int AllPermissionBits = 0x1FF;

        /// <summary>True when <paramref name="mode"/> has a permission bit outside 0600.</summary>
        public static bool IsBeyondPrivate(int mode) => (mode & AllPermissionBits & ~PrivateFile) != 0;

        /// <summary>What Porter makes of a file whose mode is beyond 0600 (Get-PorterHome and Test-PorterStorage say it alike).</summary>
        public static string Refusal(string file, int mode) => $"'{file}' has mode {UnixPermissions.ToOctal(mode)}; Porter v0.38.7+ requires 600 or stricter.";

        /// <summary>
        /// The mode of <paramref name="file"/> when it is beyond 0600, else null (also where modes cannot be read). A symbolic
        /// link is judged by what it points to when <paramref name="followLinks"/> is set (what Porter reads), and is never
        /// beyond 0600 when it is not (a repair must not change a mode through a link).
        /// </summary>
        public static int? ModeBeyondPrivate(string file, bool followLinks)
        {
            int? mode = UnixPermissions.TryGetMode(file);
            if (!mode.HasValue || !IsBeyondPrivate(mode.Value))
            {
                return null;
            }
            return followLinks || (new FileInfo(file).Attributes & FileAttributes.ReparsePoint) == 0 ? mode : null;
        }
    }
}
