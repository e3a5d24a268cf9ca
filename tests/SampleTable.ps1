# Seeds and reads the azure.table plugin's table (format A§1.7) over the Table service's REST API, as the plugin's own
# client (azure-sdk-for-go storage, api-version 2018-03-28) writes it: InsertOrReplace of
# {"PartitionKey":<type>,"RowKey":<name>,"data":<base64 or null>,"data@odata.type":"Edm.Binary","group":<group or "">}
# with Shared Key Lite. The items are the same as tests/SampleContainer.ps1's v0.9+ store. Used by the table tests and the demo.
# Dot-source it.

function ConvertFrom-PorterConnectionString([string] $ConnectionString) {
    $parts = @{}
    foreach ($segment in $ConnectionString.Split(';', [StringSplitOptions]::RemoveEmptyEntries)) {
        $i = $segment.IndexOf('=')
        $parts[$segment.Substring(0, $i)] = $segment.Substring($i + 1)
    }
    $parts
}

# One Table service request signed with Shared Key Lite; returns the response (headers and parsed body).
function Invoke-PorterTableRequest {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [string] $Method, [Parameter(Mandatory)] [string] $Resource,
        [string] $Query, [string] $Body, [hashtable] $Headers = @{})
    $cs = ConvertFrom-PorterConnectionString $ConnectionString
    $account = $cs['AccountName']
    $endpoint = $cs['TableEndpoint'].TrimEnd('/')
    $uri = [Uri]::new("$endpoint/$Resource$(if ($Query) { '?' + $Query })")
    $date = [DateTime]::UtcNow.ToString('R')
    # Path-style (emulator) URLs carry the account in the path, so the canonical resource names it twice.
    $canonical = "/$account$($uri.AbsolutePath)"
    $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($cs['AccountKey']))
    $signature = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes("$date`n$canonical")))
    $all = @{ 'x-ms-date' = $date; 'x-ms-version' = '2018-03-28'; Authorization = "SharedKeyLite ${account}:$signature"
        Accept = 'application/json;odata=minimalmetadata'; DataServiceVersion = '3.0;NetFx'; MaxDataServiceVersion = '3.0;NetFx' }
    foreach ($k in $Headers.Keys) { $all[$k] = $Headers[$k] }
    $request = @{ Method = $Method; Uri = $uri; Headers = $all; SkipHeaderValidation = $true; ResponseHeadersVariable = 'responseHeaders'; StatusCodeVariable = 'status' }
    if ($Body) { $request.Body = [Text.Encoding]::UTF8.GetBytes($Body); $request.ContentType = 'application/json' }
    $response = Invoke-RestMethod @request
    [pscustomobject]@{ Status = $status; Headers = $responseHeaders; Body = $response }
}

function Get-EntityResource([string] $Table, [string] $PartitionKey, [string] $RowKey) {
    $pk = [Uri]::EscapeDataString($PartitionKey.Replace("'", "''"))
    $rk = [Uri]::EscapeDataString($RowKey.Replace("'", "''"))
    "$Table(PartitionKey='$pk',RowKey='$rk')"
}

# The items of a plugin store: installations (no data), claims, results, outputs, a credential and a parameter set, the schema.
function Get-PorterTableSampleItems {
    param([int] $Installations = 5, [string] $Secret = 'value')
    $alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    $rng = [Random]::new(23)
    function Ulid { '01' + (-join (1..24 | ForEach-Object { $alphabet[$rng.Next(32)] })) }
    $utf8 = [Text.UTF8Encoding]::new($false)
    $items = [Collections.Generic.List[object]]::new()
    function Add-Item([string] $Type, [string] $Group, [string] $Name, [string] $Content) {
        $items.Add([pscustomobject]@{ Type = $Type; Group = $Group; Name = $Name; Bytes = $utf8.GetBytes($Content) })
    }
    for ($i = 1; $i -le $Installations; $i++) {
        $inst = "app$i"
        $claim = Ulid; $result = Ulid
        Add-Item installations '' $inst ''
        Add-Item claims $inst $claim "{`"schemaVersion`":`"1.0.0-DRAFT+b5ed2f3`",`"id`":`"$claim`",`"installation`":`"$inst`",`"revision`":`"$(Ulid)`",`"created`":`"2021-01-0$((($i % 8) + 1))T00:00:00Z`",`"action`":`"install`",`"bundle`":{`"name`":`"$inst`"},`"parameters`":{`"password`":`"$Secret`"}}"
        Add-Item results $claim $result "{`"id`":`"$result`",`"claimId`":`"$claim`",`"created`":`"2021-01-0$((($i % 8) + 1))T00:00:01Z`",`"status`":`"succeeded`"}"
        Add-Item outputs $result "$result-config" "output of $inst"
    }
    Add-Item credentials '' team "{`"schemaVersion`":`"1.0.0-DRAFT+b6c701f`",`"name`":`"team`",`"created`":`"2021-01-01T00:00:00Z`",`"modified`":`"2021-01-01T00:00:00Z`",`"credentials`":[{`"name`":`"token`",`"source`":{`"value`":`"$Secret`"}}]}"
    Add-Item parameters '' team "{`"schemaVersion`":`"1.0.0-DRAFT+TODO`",`"name`":`"team`",`"created`":`"2021-01-01T00:00:00Z`",`"modified`":`"2021-01-01T00:00:00Z`",`"parameters`":[]}"
    Add-Item schema '' schema '{"claims":"cnab-claim-1.0.0-DRAFT+b5ed2f3","credentials":"cnab-credentialsets-1.0.0-DRAFT+b6c701f","parameters":"cnab-parametersets-1.0.0-DRAFT+TODO"}'
    $items
}

# Writes one entity exactly as the plugin's Save does (or, with -Json, any entity body).
function Set-PorterTableEntity {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [string] $Table, [Parameter(Mandatory)] [string] $PartitionKey,
        [Parameter(Mandatory)] [string] $RowKey, [string] $Group = '', [byte[]] $Data, [string] $Json)
    if (-not $Json) {
        # The plugin sends nil data as "data":null with its Edm.Binary annotation, which Azure stores as no data property at
        # all (its recorded responses show none); Azurite 3.37 refuses the annotated null, so an empty item is sent without it.
        $dataJson = if ($Data -and $Data.Length -gt 0) { '"' + [Convert]::ToBase64String($Data) + '","data@odata.type":"Edm.Binary"' } else { 'null' }
        $Json = "{`"PartitionKey`":$($PartitionKey | ConvertTo-Json),`"RowKey`":$($RowKey | ConvertTo-Json),`"data`":$dataJson,`"group`":$($Group | ConvertTo-Json)}"
    }
    $null = Invoke-PorterTableRequest -ConnectionString $ConnectionString -Method Put -Resource (Get-EntityResource $Table $PartitionKey $RowKey) -Body $Json `
        -Headers @{ Prefer = 'return-no-content'; Accept = 'application/json;odata=nometadata' }
}

# Creates the table unless it exists (as the plugin's init does) and saves the sample items in it; returns the items.
function New-PorterTableStore {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [string] $Table, [int] $Installations = 5, [string] $Secret = 'value')
    try {
        $null = Invoke-PorterTableRequest -ConnectionString $ConnectionString -Method Post -Resource 'Tables' -Body "{`"TableName`":`"$Table`"}" -Headers @{ Prefer = 'return-no-content' }
    }
    catch [Microsoft.PowerShell.Commands.HttpResponseException] {
        if ($_.Exception.Response.StatusCode -ne [Net.HttpStatusCode]::Conflict) { throw }
    }
    $items = Get-PorterTableSampleItems -Installations $Installations -Secret $Secret
    foreach ($item in $items) {
        Set-PorterTableEntity -ConnectionString $ConnectionString -Table $Table -PartitionKey $item.Type -RowKey $item.Name -Group $item.Group -Data $item.Bytes
    }
    $items
}

# Every entity of a table as the service returns it (every page, minimal metadata), without Timestamp and ETag: a digest source.
function Get-PorterTableEntity {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [string] $Table)
    $query = ''
    while ($true) {
        $r = Invoke-PorterTableRequest -ConnectionString $ConnectionString -Method Get -Resource "$Table()" -Query $query
        foreach ($e in $r.Body.value) {
            $e.PSObject.Properties.Remove('odata.etag'); $e.PSObject.Properties.Remove('Timestamp')
            $e
        }
        $npk = $r.Headers['x-ms-continuation-NextPartitionKey']
        if (-not $npk) { break }
        $query = "NextPartitionKey=$([Uri]::EscapeDataString($npk[0]))&NextRowKey=$([Uri]::EscapeDataString($r.Headers['x-ms-continuation-NextRowKey'][0]))"
    }
}

# One text per table: every entity's keys and properties (with their types), sorted; equal texts, equal tables.
function Get-PorterTableDigest {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [string] $Table)
    (Get-PorterTableEntity -ConnectionString $ConnectionString -Table $Table | ForEach-Object {
            ($_.PSObject.Properties | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join '|'
        } | Sort-Object) -join "`n"
}

# Porter's own List query (format A§1.3), sent as the azure.blob plugin sends it: a service-level Find Blobs by Tags whose
# where is every tag as "key"='value' AND, keys sorted, then @container='porter'. Signed with Shared Key (Azurite's blob
# service takes no Shared Key Lite); every page.
# Returns the blob names found in the container.
function Find-PorterBlobByTag {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [hashtable] $Tags, [string] $Container = 'porter')
    $cs = ConvertFrom-PorterConnectionString $ConnectionString
    $account = $cs['AccountName']
    $where = (@($Tags.Keys | Sort-Object -CaseSensitive | ForEach-Object { "`"$_`"='$($Tags[$_])'" }) + "@container='$Container'") -join ' AND '
    $marker = ''
    while ($true) {
        $query = "comp=blobs&where=$([Uri]::EscapeDataString($where))$(if ($marker) { '&marker=' + [Uri]::EscapeDataString($marker) })"
        $uri = [Uri]::new($cs['BlobEndpoint'].TrimEnd('/') + '/?' + $query)
        $date = [DateTime]::UtcNow.ToString('R')
        $version = '2021-04-10'
        # Path-style (emulator) URLs carry the account in the path, so the canonical resource names it twice; each query
        # parameter follows as "name:value", names sorted, values decoded.
        $canonical = "/$account$($uri.AbsolutePath)`ncomp:blobs" + $(if ($marker) { "`nmarker:$marker" }) + "`nwhere:$where"
        $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($cs['AccountKey']))
        $signature = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes("GET`n`n`n`n`n`n`n`n`n`n`n`nx-ms-date:$date`nx-ms-version:$version`n$canonical")))
        $response = Invoke-WebRequest -Uri $uri -Headers @{ 'x-ms-date' = $date; 'x-ms-version' = $version; Authorization = "SharedKey ${account}:$signature" }
        [xml] $xml = $response.Content.TrimStart([char]0xFEFF)
        foreach ($b in $xml.EnumerationResults.Blobs.Blob) { if ($b.ContainerName -eq $Container) { $b.Name } }
        $marker = $xml.EnumerationResults.NextMarker
        if (-not $marker) { break }
    }
}
