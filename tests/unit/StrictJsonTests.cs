using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>Class 1 of issue 11: what Go's encoding/json refuses is refused by name; what it reads is read.</summary>
    public class StrictJsonTests
    {
        private const string Bundle = "\"bundle\":{\"name\":\"b\",\"version\":\"1.0.0\"}";

        private static string Claim(string extra) =>
            "{\"installation\":\"x\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\"," + Bundle + ",\"result\":{\"action\":\"install\",\"status\":\"success\"}" + extra + "}";

        private static string Nest(int levels, string inner = "1") => new string('[', levels) + inner + new string(']', levels);

        private static PorterStorageException Refused(byte[] content) =>
            Assert.Throws<PorterStorageException>(() => GoJson.Parse(content, "ParseError",
                (id, detail) => new PorterStorageException(id, PorterErrorKind.InvalidData, "f", detail)).Dispose());

        private static void Read(string text) =>
            GoJson.Parse(Encoding.UTF8.GetBytes(text), "ParseError", (id, detail) => new PorterStorageException(id, PorterErrorKind.InvalidData, "f", detail)).Dispose();

        [Theory]
        [InlineData("1e400")]
        [InlineData("-1e400")]
        [InlineData("1.7976931348623159e308")]
        [InlineData("123456789e999")]
        public void Parse_NumberBeyondFloat64_NumberOutOfRangeWithPath(string number)
        {
            PorterStorageException ex = Refused(Encoding.UTF8.GetBytes("{\"a\":[0,{\"b\":" + number + "}]}"));
            Assert.Equal(ErrorIds.NumberOutOfRange, ex.ErrorId);
            Assert.Contains("$.a[1].b", ex.Message);
            Assert.DoesNotContain(number, ex.Message);
        }

        [Theory]
        [InlineData("1.7976931348623157e308")]
        [InlineData("1e-400")]
        [InlineData("-0")]
        [InlineData("4.9e-324")]
        public void Parse_NumbersGoReads_Read(string number) => Read("[" + number + "]");

        [Fact]
        public void Parse_GosDepthLimit_10000Read10001Refused()
        {
            Read(Nest(GoJson.MaxDepth));
            PorterStorageException ex = Refused(Encoding.UTF8.GetBytes(Nest(GoJson.MaxDepth + 1)));
            Assert.Equal(ErrorIds.JsonNestingTooDeep, ex.ErrorId);
            Assert.Equal(ErrorIds.JsonNestingTooDeep, Refused(Encoding.UTF8.GetBytes(Nest(50000))).ErrorId);
        }

        [Theory]
        [InlineData("[NaN]")]
        [InlineData("[Infinity]")]
        [InlineData("[-Infinity]")]
        [InlineData("[1,]")]
        [InlineData("[1 /* c */]")]
        [InlineData("[01]")]
        [InlineData("[\"\\ud800\"]")]
        [InlineData("{\"\\udc00\":1}")]
        [InlineData("")]
        public void Parse_WhatGoRefusesOrWouldAlter_ParseErrorNotCrash(string text) =>
            Assert.Equal("ParseError", Refused(Encoding.UTF8.GetBytes(text)).ErrorId);

        [Fact]
        public void Parse_InvalidUtf8AndBom_ParseError()
        {
            Assert.Equal("ParseError", Refused(new byte[] { (byte)'[', (byte)'"', 0xFF, (byte)'"', (byte)']' }).ErrorId);
            Assert.Equal("ParseError", Refused(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'[', (byte)']' }).ErrorId);
        }

        [Fact]
        public void Writer_DeepDocument_WrittenWithoutRecursion()
        {
            using JsonDocument doc = JsonDocument.Parse(Nest(GoJson.MaxDepth - 1, "{\"a\":1e3}"), GoJson.DocumentOptions);
            string generic = new GoJsonWriter(indented: true).Generic(doc.RootElement).ToString();
            string pass = new GoJsonWriter(indented: false).PassThrough(doc.RootElement).ToString();
            Assert.Equal(Nest(GoJson.MaxDepth - 1, "{\"a\":1e3}"), pass);
            using JsonDocument back = JsonDocument.Parse(generic, GoJson.DocumentOptions);
            Assert.Null(GoJsonCompare.FirstDifference(back.RootElement, doc.RootElement));
            Assert.StartsWith("[[[", GoFormat.V(doc.RootElement));
        }

        [Fact]
        public void Writer_InfiniteNumber_NeverWritten()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => GoNumbers.JsonFloat(double.PositiveInfinity));
            Assert.Throws<ArgumentOutOfRangeException>(() => GoNumbers.FormatV(double.NegativeInfinity));
        }

        [Fact]
        public void Compare_DuplicateKeys_LastWinsAsInGo()
        {
            using JsonDocument legacy = JsonDocument.Parse("{\"a\":1,\"b\":{\"c\":true},\"a\":2}");
            using JsonDocument written = JsonDocument.Parse("{\"a\":2.0,\"b\":{\"c\":true}}");
            Assert.Null(GoJsonCompare.FirstDifference(written.RootElement, legacy.RootElement));
            using JsonDocument wrong = JsonDocument.Parse("{\"a\":1,\"b\":{\"c\":false}}");
            Assert.Equal("$.b.c", GoJsonCompare.FirstDifference(wrong.RootElement, new ExpectedObject().Add("a", 1.0).Add("b", legacy.RootElement.GetProperty("b"))));
            Assert.Equal("$.a", GoJsonCompare.FirstDifference(written.RootElement, new ExpectedObject().Add("a", 1.0).Add("b", legacy.RootElement.GetProperty("b"))));
        }

        [Fact]
        public void ParameterSet_DuplicateKeys_LastWins()
        {
            SetRewrite r = SetMigration.MigrateParameterSet(Encoding.UTF8.GetBytes("{\"name\":\"p\",\"v\":1,\"v\":2}"), "p.json", "p")!;
            Assert.Equal("{\"name\":\"p\",\"schemaVersion\":\"1.0.0-DRAFT+TODO\",\"v\":2}", Encoding.UTF8.GetString(r.Content));
        }

        [Fact]
        public void CredentialSet_RepeatedSource_LastWinsAsInGo()
        {
            SetRewrite r = SetMigration.MigrateCredentialSet(Encoding.UTF8.GetBytes(
                "{\"name\":\"c\",\"credentials\":[{\"name\":\"k\",\"source\":{\"env\":\"A\"},\"source\":{\"value\":\"B\"}}]}"), "c.json", "c")!;
            Assert.Contains("\"value\": \"B\"", Encoding.UTF8.GetString(r.Content));
            Assert.DoesNotContain("\"env\"", Encoding.UTF8.GetString(r.Content));
        }

        [Theory]
        [InlineData(",\"parameters\":{\"n\":1e400}")]
        [InlineData(",\"outputs\":{\"o\":-1e400}")]
        [InlineData(",\"custom\":{\"deep\":[1e400]}")]
        [InlineData(",\"custom\":1e400")]
        public void Run_ClaimWithNumberGoCannotHold_RefusedOriginalKeptNothingWritten(string extra)
        {
            using var home = new TempHome();
            string good = home.Write("claims/good.json", Claim(string.Empty).Replace("\"x\"", "\"good\""));
            string bad = home.Write("claims/x.json", Claim(extra));
            byte[] before = File.ReadAllBytes(bad);
            PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(home.Path));
            Assert.False(r.Succeeded);
            MigrationError e = Assert.Single(r.Errors);
            Assert.Equal(ErrorIds.NumberOutOfRange, e.ErrorId);
            Assert.Equal(bad, e.Target);
            Assert.Equal(before, File.ReadAllBytes(bad));
            Assert.False(Directory.Exists(home.P("claims/x")));
            Assert.False(File.Exists(good));
            Assert.True(Directory.Exists(home.P("claims/good")));
            Assert.DoesNotContain(Directory.EnumerateFiles(home.Path, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains("nfinity"));
        }

        [Theory]
        [InlineData("parameters/p.json", "{\"name\":\"p\",\"parameters\":[{\"name\":\"n\",\"source\":{\"value\":\"1\"}}],\"x\":1e400}")]
        [InlineData("credentials/c.json", "{\"name\":\"c\",\"credentials\":[],\"labels\":{\"n\":-1e400}}")]
        public void Run_SetWithNumberGoCannotHold_RefusedNotOverwritten(string path, string content)
        {
            using var home = new TempHome();
            string file = home.Write(path, content);
            byte[] before = File.ReadAllBytes(file);
            PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(home.Path));
            Assert.Equal(ErrorIds.NumberOutOfRange, Assert.Single(r.Errors).ErrorId);
            Assert.Equal(before, File.ReadAllBytes(file));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(file)!));
        }

        [Fact]
        public void Run_Claim300LevelsDeep_MigratedAsGoWould()
        {
            using var home = new TempHome();
            string file = home.Write("claims/x.json", Claim(",\"parameters\":{\"deep\":" + Nest(300, "{\"v\":1}") + "}"));
            PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(home.Path));
            Assert.True(r.Succeeded, string.Join("; ", r.Errors.Select(e => e.Message)) + string.Join("; ", r.Warnings));
            Assert.False(File.Exists(file));
            string claim = Directory.GetFiles(home.P("claims/x")).Single();
            Assert.Contains("\"v\": 1", File.ReadAllText(claim));
        }

        [Fact]
        public void Run_ClaimDeeperThanGoReads_JsonNestingTooDeep()
        {
            using var home = new TempHome();
            string file = home.Write("claims/x.json", Claim(",\"custom\":" + Nest(GoJson.MaxDepth)));
            byte[] before = File.ReadAllBytes(file);
            PorterMigrationResult r = Migrations.Run(new FileSystemMigrationStore(home.Path));
            Assert.Equal(ErrorIds.JsonNestingTooDeep, Assert.Single(r.Errors).ErrorId);
            Assert.Equal(before, File.ReadAllBytes(file));
        }
    }
}
