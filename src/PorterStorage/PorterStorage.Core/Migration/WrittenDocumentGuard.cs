using System;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// The invariant's last line: before a change set may delete or overwrite anything, every document it writes is
    /// re-read from its bytes with the one strict reader (<see cref="GoJson"/>) and compared with the content it was meant
    /// to hold (<see cref="StoredDocument.Expected"/>, built from the legacy document, not by the writer). On any
    /// difference the item is refused with <c>WrittenDocumentInvalid</c> before the store sees it, so a writer bug can
    /// never delete data. Called by the engine for every store (folder and container) in front of <see cref="IMigrationStore.Apply"/>.
    /// </summary>
    public static class WrittenDocumentGuard
    {
        /// <summary>Raises <c>WrittenDocumentInvalid</c> naming <paramref name="source"/> (the legacy item) and the written path.</summary>
        public static void Check(ChangeSet changes, string source)
        {
            foreach (StoredDocument write in changes.Writes)
            {
                string? problem = Problem(write);
                if (problem != null)
                {
                    throw new PorterStorageException(ErrorIds.WrittenDocumentInvalid, PorterErrorKind.InvalidData, source,
                        $"'{source}' was not migrated: its replacement '{write.FileSystemPath}' {problem}. Nothing was written for it and the original is kept.");
                }
            }
        }

        /// <summary>Null when the document's bytes hold what was meant; else what is wrong (no content, only a JSON path).</summary>
        public static string? Problem(StoredDocument write)
        {
            if (write.Expected is ExpectedText text)
            {
                string decoded;
                try
                {
                    decoded = new UTF8Encoding(false, true).GetString(write.Content);
                }
                catch (DecoderFallbackException)
                {
                    return "is not valid UTF-8 text";
                }
                return string.Equals(decoded, text.Text, StringComparison.Ordinal) ? null : "does not hold the legacy value";
            }
            if (write.Expected == null && !IsJsonType(write.ItemType))
            {
                return null;
            }
            JsonDocument doc;
            try
            {
                doc = GoJson.Parse(write.Content, ErrorIds.WrittenDocumentInvalid,
                    (id, detail) => new PorterStorageException(id, PorterErrorKind.InvalidData, null, detail));
            }
            catch (PorterStorageException ex)
            {
                return $"does not re-read strictly ({ex.ErrorId}: {ex.Message})";
            }
            using (doc)
            {
                if (write.Expected == null)
                {
                    return null;
                }
                string? at = GoJsonCompare.FirstDifference(doc.RootElement, write.Expected);
                return at == null ? null : $"re-reads differently from the legacy content at {at}";
            }
        }

        private static bool IsJsonType(string itemType) =>
            itemType == ItemTypes.Claims || itemType == ItemTypes.Results || itemType == ItemTypes.Credentials || itemType == ItemTypes.Parameters;
    }
}
