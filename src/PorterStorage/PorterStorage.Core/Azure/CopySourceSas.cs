using System;
using System.Threading;
using global::Azure.Storage.Blobs.Models;
using global::Azure.Storage.Sas;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// The SAS a copy's source is read with by the destination's service, for as long as the copy runs: one the module signs (with
    /// the account key, or a user delegation key) lives an hour and is signed anew when less than a quarter of an hour is left, so a
    /// copy that outlives one SAS never sends an expired one. A SAS the caller gave is used as it is; its expiry (<c>se</c>) is
    /// known, so a refusal after it is named as the expiry it is. Safe across threads.
    /// </summary>
    internal sealed class CopySourceSas
    {
        /// <summary>How long a SAS the module signs is valid.</summary>
        internal static readonly TimeSpan Life = TimeSpan.FromHours(1);

        /// <summary>A signed SAS is renewed once less than this is left: the longest a copy request may take to be checked by the service.</summary>
        internal static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(15);

        private readonly PorterAzureContainer _source;
        private readonly Func<DateTimeOffset> _now;
        private readonly Func<DateTimeOffset, DateTimeOffset, CancellationToken, UserDelegationKey>? _delegationKey;
        private readonly object _gate = new object();
        private string? _current;
        private DateTimeOffset _expires;

        /// <param name="source">The copy's source; its credential signs.</param>
        /// <param name="now">The clock (tests give a simulated one).</param>
        /// <param name="delegationKey">Gets a user delegation key valid from, to (for a signed-in source); null to ask the source's service.</param>
        internal CopySourceSas(PorterAzureContainer source, Func<DateTimeOffset>? now = null,
            Func<DateTimeOffset, DateTimeOffset, CancellationToken, UserDelegationKey>? delegationKey = null)
        {
            _source = source;
            _now = now ?? (() => DateTimeOffset.UtcNow);
            _delegationKey = delegationKey;
            Signs = source.Sas == null;
            if (!Signs)
            {
                Expires = SignedExpiry(source.Sas!);
            }
        }

        /// <summary>True when this module signs the SAS (and renews it); false for the caller's own SAS.</summary>
        internal bool Signs { get; }

        /// <summary>When the SAS last handed out expires (null for a caller's SAS without <c>se</c>).</summary>
        internal DateTimeOffset? Expires { get; private set; }

        /// <summary>How many SAS this object signed.</summary>
        internal int Signed { get; private set; }

        /// <summary>A SAS for the next request, valid at least <see cref="RenewBefore"/> more when this module signs it.</summary>
        internal string Current(CancellationToken cancel)
        {
            if (!Signs)
            {
                return _source.Sas!;
            }
            lock (_gate)
            {
                DateTimeOffset now = _now();
                if (_current == null || _expires - now < RenewBefore)
                {
                    Sign(now, cancel);
                }
                return _current!;
            }
        }

        /// <summary>
        /// A SAS for one asynchronous copy, which the service reads from for as long as the copy runs (hours, for a blob of many GiB):
        /// signed for <see cref="LongCopyLife"/>, not shared. The caller's own SAS is used as it is.
        /// </summary>
        internal string ForLongCopy(CancellationToken cancel)
        {
            if (!Signs)
            {
                return _source.Sas!;
            }
            lock (_gate)
            {
                return SignFor(_now(), LongCopyLife, cancel);
            }
        }

        /// <summary>How long a SAS for one asynchronous copy is valid: a day, within a user delegation key's seven.</summary>
        internal static readonly TimeSpan LongCopyLife = TimeSpan.FromHours(24);

        /// <summary>
        /// Why the service could not read the source (a CannotVerifyCopySource answer of <paramref name="status"/>), as far as this SAS
        /// and the answer tell: the source blob gone (404), the SAS expired, a SAS given without read or tags, else the source account's
        /// network rules or the clocks.
        /// </summary>
        internal string Cause(int status)
        {
            if (status == 404)
            {
                return "The source blob no longer exists: it was deleted after the copy listed it. A rerun copies what the source holds then.";
            }
            DateTimeOffset now = _now();
            if (Expires.HasValue && Expires.Value <= now)
            {
                return $"The source SAS {(Signs ? "this module signed" : "that was given")} expired at {Expires.Value:u} (now {now:u})"
                    + (Signs ? "." : "; give one valid for the whole copy, or let the module sign its own (an account key or a signed-in identity).");
            }
            if (!Signs && !(Permissions(_source.Sas!).IndexOf('r') >= 0 && Permissions(_source.Sas!).IndexOf('t') >= 0))
            {
                return "The SAS given for the source does not allow read and tags: it needs the permissions 'rt'.";
            }
            return Expires.HasValue
                ? $"The source SAS allows read and tags and is valid until {Expires.Value:u}, so the likely cause is the source account's network rules (its firewall must let the destination's service read it) or the clocks."
                : "The source SAS names no expiry; the likely cause is the source account's network rules or the clocks.";
        }

        /// <summary>The signed permissions (<c>sp</c>) of a SAS, or empty.</summary>
        internal static string Permissions(string sas) => Field(sas, "sp") ?? string.Empty;

        /// <summary>One field of a SAS's query (unescaped), or null.</summary>
        private static string? Field(string sas, string name)
        {
            foreach (string part in sas.TrimStart('?').Split('&'))
            {
                if (part.StartsWith(name + "=", StringComparison.Ordinal))
                {
                    return Uri.UnescapeDataString(part.Substring(name.Length + 1));
                }
            }
            return null;
        }

        private void Sign(DateTimeOffset now, CancellationToken cancel)
        {
            _current = SignFor(now, Life, cancel);
            _expires = now + Life;
            Expires = _expires;
        }

        /// <summary>A read+tag SAS on the source container valid for <paramref name="life"/> from <paramref name="now"/>.</summary>
        private string SignFor(DateTimeOffset now, TimeSpan life, CancellationToken cancel)
        {
            // No start time: a SAS valid from its signing would be refused by a service whose clock runs a little behind this one.
            var builder = new BlobSasBuilder
            {
                BlobContainerName = _source.Container,
                Resource = "c",
                ExpiresOn = now + life,
            };
            builder.SetPermissions(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Tag);
            Signed++;
            if (_source.SharedKey != null)
            {
                return builder.ToSasQueryParameters(_source.SharedKey).ToString();
            }
            try
            {
                UserDelegationKey key = _delegationKey != null
                    ? _delegationKey(now.AddMinutes(-5), builder.ExpiresOn, cancel)
                    : _source.CreateServiceClient().GetUserDelegationKey(now.AddMinutes(-5), builder.ExpiresOn, cancel).Value;
                return builder.ToSasQueryParameters(key, _source.AccountName).ToString();
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, _source.ContainerUri.ToString(), "Getting a user delegation key for the copy");
            }
        }

        /// <summary>The expiry (<c>se</c>) a SAS names, or null.</summary>
        internal static DateTimeOffset? SignedExpiry(string sas) =>
            Field(sas, "se") is string se && DateTimeOffset.TryParse(se, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out DateTimeOffset at)
                ? at
                : (DateTimeOffset?)null;
    }
}
