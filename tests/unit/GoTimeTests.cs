using Xunit;

namespace PorterStorage.Tests
{
    public class GoTimeTests
    {
        [Theory]
        [InlineData("1970-01-01T00:00:00Z", 62167219200)]
        [InlineData("0000-01-01T00:00:00Z", 0)]
        [InlineData("0001-01-01T00:00:00Z", 31622400)]
        [InlineData("2000-03-01T00:00:00Z", 63119088000)]
        [InlineData("2019-11-07T12:01:44-06:00", 63740368904)]
        public void TryInstant_SecondsFromYearZero_MatchTheProlepticCalendar(string text, long seconds)
        {
            Assert.True(GoTime.TryInstant(text, out decimal instant));
            Assert.Equal(seconds, (long)instant);
        }

        [Theory]
        [InlineData("2019-02-29T00:00:00Z")]
        [InlineData("1900-02-29T00:00:00Z")]
        [InlineData("2019-04-31T00:00:00Z")]
        [InlineData("2019-01-01T00:00:00+24:00")]
        public void TryNormalize_DatesGoRefuses_False(string text) => Assert.False(GoTime.TryNormalize(text, out _));

        [Theory]
        [InlineData("2000-02-29T00:00:00Z")]
        [InlineData("0000-02-29T00:00:00Z")]
        public void TryNormalize_LeapDays_True(string text) => Assert.True(GoTime.TryNormalize(text, out _));
    }
}
