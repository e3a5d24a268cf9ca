# Builds container backup archives holding a store in the exact shapes of Porter's azure.blob plugin
# (format A§1.2): v0.9+ blobs with their index tags and, with -Legacy, pre-v0.9 blobs without tags.
# Restore-PorterAzureContainer seeds a container from them. Used by the Azure tests and the demo. Dot-source it.

# A container backup archive holding a v0.9+ plugin store (tagged) plus, optionally, pre-v0.9 blobs (untagged).
function New-PorterBlobStoreArchive {
    param([Parameter(Mandatory)] [string] $Path, [int] $Installations = 5, [switch] $Legacy, [switch] $NoSchema, [switch] $NoTags, [int] $LegacyInstallations = 0, [string] $Secret = 'value',
        # A legacy claim without its bundle, which the migration names (ClaimBundleMissing) and leaves in place.
        [switch] $BrokenLegacy)
    $alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    $rng = [Random]::new(11)
    function Ulid { '01' + (-join (1..24 | ForEach-Object { $alphabet[$rng.Next(32)] })) }
    $blobs = [Collections.Generic.List[object]]::new()
    function Add-Blob([string] $Name, [string] $Content, [hashtable] $Tags, [hashtable] $Metadata = @{}) {
        $blobs.Add([pscustomobject]@{ Name = $Name; Bytes = [Text.UTF8Encoding]::new($false).GetBytes($Content); Tags = $Tags; Metadata = $Metadata })
    }
    for ($i = 1; $i -le $Installations; $i++) {
        $inst = "app$i"
        $claim = Ulid; $result = Ulid
        Add-Blob "installations/$inst" '' @{ type = 'installations' }
        Add-Blob "claims/$claim" "{`"schemaVersion`":`"1.0.0-DRAFT+b5ed2f3`",`"id`":`"$claim`",`"installation`":`"$inst`",`"action`":`"install`",`"bundle`":{`"name`":`"$inst`"}}" @{ type = 'claims'; installation = $inst } @{ origin = 'porter' }
        Add-Blob "results/$result" "{`"id`":`"$result`",`"claimId`":`"$claim`",`"status`":`"succeeded`"}" @{ type = 'results'; 'claim-id' = $claim }
        Add-Blob "outputs/$result-config" "output of $inst" @{ type = 'outputs'; 'result-id' = $result }
    }
    Add-Blob 'credentials/team' "{`"schemaVersion`":`"1.0.0-DRAFT+b6c701f`",`"name`":`"team`",`"credentials`":[{`"name`":`"token`",`"source`":{`"value`":`"$Secret`"}}]}" @{ type = 'credentials' }
    Add-Blob 'parameters/team' '{"name":"team","schemaVersion":"1.0.0-DRAFT+TODO"}' @{ type = 'parameters' }
    if (-not $NoSchema) { Add-Blob 'schema' '{"claims":"cnab-claim-1.0.0-DRAFT+b5ed2f3","credentials":"cnab-credentialsets-1.0.0-DRAFT+b6c701f","parameters":"cnab-parametersets-1.0.0-DRAFT+TODO"}' $null }
    for ($i = 1; $i -le $LegacyInstallations; $i++) {
        $action = if ($i % 2) { 'install' } else { 'upgrade' }
        Add-Blob "claims/legacy$i" "{`"installation`":`"legacy$i`",`"created`":`"2020-01-01T00:00:00Z`",`"modified`":`"2020-01-0$((($i % 8) + 2))T00:00:00Z`",`"bundle`":{`"name`":`"legacy$i`"},`"parameters`":{`"password`":`"$Secret`"},`"result`":{`"action`":`"$action`",`"status`":`"success`"},`"outputs`":{`"token`":`"$Secret`",`"port`":8080}}" $null
    }
    if ($BrokenLegacy) { Add-Blob 'claims/broken' '{"installation":"broken"}' $null }
    if ($Legacy) {
        Add-Blob 'claims/oldapp' '{"installation":"oldapp","bundle":{"name":"oldapp"},"result":{"action":"install","status":"success"}}' $null
        Add-Blob 'credentials/old' '{"name":"old","credentials":[]}' $null
    }

    $zip = [IO.Compression.ZipFile]::Open($Path, 'Create')
    $entries = foreach ($b in $blobs) {
        $s = $zip.CreateEntry('blobs/' + $b.Name).Open(); $s.Write($b.Bytes, 0, $b.Bytes.Length); $s.Dispose()
        $entry = [ordered]@{ path = $b.Name; type = 'file'; size = $b.Bytes.Length
            sha256 = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($b.Bytes)).ToLowerInvariant()
            mtime = '2021-01-01T00:00:00.0000000Z'; headers = [ordered]@{ ContentType = 'application/octet-stream' }; metadata = $b.Metadata }
        if ($b.Tags -and -not $NoTags) { $entry.tags = $b.Tags }
        $entry
    }
    $manifest = [ordered]@{ format = 'porterstorage-backup/1'; kind = 'container'; created = '2021-01-01T00:00:00.0000000Z'; source = 'test'
        dataOnly = $false; tool = 'test'; entries = @($entries); skipped = @() } | ConvertTo-Json -Depth 6
    $w = [IO.StreamWriter]::new($zip.CreateEntry('manifest.json').Open()); $w.Write($manifest); $w.Dispose()
    $zip.Dispose()
    Get-Item $Path
}

