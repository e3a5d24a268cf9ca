using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The migration tells the closing check's findings as warnings: one by one up to <see cref="StorageVerifier.FindingsToldEach"/>
    /// of a code, then that code as one line with its count (a container of 25,000 blobs the index has not caught up with gives one
    /// warning, not 25,000); the verification keeps every finding.
    /// </summary>
    public class FindingSummaryTests
    {
        private static StorageFinding F(string code, int i) =>
            new StorageFinding(FindingSeverity.Error, code, "store/" + code + i, $"{code} finding {i}");

        [Fact]
        public void Summarise_UpToTheLimit_TellsEach_AboveIt_TellsTheCountAndTheFirst()
        {
            int each = StorageVerifier.FindingsToldEach;
            var findings = new List<StorageFinding>();
            findings.AddRange(Enumerable.Range(0, each).Select(i => F("Few", i)));
            findings.AddRange(Enumerable.Range(0, each + 1).Select(i => F("Many", i)));
            findings.Add(F("One", 0));

            List<string> told = StorageVerifier.Summarise(findings).ToList();

            Assert.Equal(each + 2, told.Count);
            Assert.Equal(Enumerable.Range(0, each).Select(i => $"Test-PorterStorage: Few: Few finding {i}"), told.Take(each));
            Assert.Equal($"Test-PorterStorage: Many: {each + 1} items, the first: Many finding 0 (the result's Verification.Findings names each one)", told[each]);
            Assert.Equal("Test-PorterStorage: One: One finding 0", told[each + 1]);
        }

        [Fact]
        public void Summarise_NoFindings_TellsNothing() => Assert.Empty(StorageVerifier.Summarise(new List<StorageFinding>()));
    }
}
