using System.Linq;
using System.Text.Json;
using Xunit;

namespace PorterStorage.Tests
{
    public class GoFormatTests
    {
        [Theory]
        [InlineData(0, "0")]
        [InlineData(5, "5")]
        [InlineData(-2.5, "-2.5")]
        [InlineData(1000000, "1000000")]
        [InlineData(1e20, "100000000000000000000")]
        [InlineData(1e21, "1e+21")]
        [InlineData(1.5e22, "1.5e+22")]
        [InlineData(0.000001, "0.000001")]
        [InlineData(0.0000001, "1e-7")]
        [InlineData(1.25e-10, "1.25e-10")]
        [InlineData(0.1, "0.1")]
        [InlineData(12345678901234567890, "12345678901234567000")]
        public void JsonFloat_LikeEncodingJson(double value, string expected) => Assert.Equal(expected, GoNumbers.JsonFloat(value));

        [Theory]
        [InlineData(5, "5")]
        [InlineData(123456, "123456")]
        [InlineData(1000000, "1e+06")]
        [InlineData(1234567, "1.234567e+06")]
        [InlineData(0.0001, "0.0001")]
        [InlineData(0.00001, "1e-05")]
        [InlineData(-0.5, "-0.5")]
        public void FormatV_LikeFmt(double value, string expected) => Assert.Equal(expected, GoNumbers.FormatV(value));

        [Theory]
        [InlineData("2019-11-08T12:01:46.287743-06:00", "2019-11-08T12:01:46.287743-06:00")]
        [InlineData("2020-01-01T00:00:00.000Z", "2020-01-01T00:00:00Z")]
        [InlineData("2020-01-01T00:00:00.1200+00:00", "2020-01-01T00:00:00.12Z")]
        [InlineData("2020-01-01T00:00:00.1234567891Z", "2020-01-01T00:00:00.123456789Z")]
        public void GoTime_Normalize(string input, string expected)
        {
            Assert.True(GoTime.TryNormalize(input, out string actual));
            Assert.Equal(expected, actual);
        }

        [Theory]
        [InlineData("2020-01-01 00:00:00Z")]
        [InlineData("2020-01-01T00:00:00")]
        [InlineData("yesterday")]
        public void GoTime_Invalid(string input) => Assert.False(GoTime.TryNormalize(input, out _));

        [Fact]
        public void Ulid_MonotonicWithinOneMillisecond_ValidCrockford()
        {
            var gen = new UlidGenerator(() => 1592265600000);
            var ids = Enumerable.Range(0, 1000).Select(_ => gen.Next()).ToList();
            Assert.Equal(ids.OrderBy(i => i, System.StringComparer.Ordinal), ids);
            Assert.All(ids, id => Assert.True(UlidGenerator.IsValid(id)));
            Assert.StartsWith("01EAX", ids[0]);
        }

        [Fact]
        public void Ulid_ClockGoingBackwards_StillIncreasing()
        {
            long t = 2000;
            var gen = new UlidGenerator(() => t);
            string a = gen.Next();
            t = 1000;
            string b = gen.Next();
            Assert.True(string.CompareOrdinal(a, b) < 0);
        }

        [Fact]
        public void GoJson_EmptyContainersAndIndentation()
        {
            using var doc = JsonDocument.Parse("{\"a\":{},\"b\":[],\"c\":[1,{\"d\":null}]}");
            Assert.Equal("{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ]\n}",
                new GoJsonWriter(true).PassThrough(doc.RootElement).ToString());
            Assert.Equal("{\"a\":{},\"b\":[],\"c\":[1,{\"d\":null}]}", new GoJsonWriter(false).PassThrough(doc.RootElement).ToString());
        }

        [Fact]
        public void GoJson_GenericSortsByUtf8Bytes()
        {
            using var doc = JsonDocument.Parse("{\"b\":1,\"B\":2,\"\u00e9\":3,\"a\":4}");
            Assert.Equal("{\"B\":2,\"a\":4,\"b\":1,\"\u00e9\":3}", new GoJsonWriter(false).Generic(doc.RootElement).ToString());
        }
    }
}
