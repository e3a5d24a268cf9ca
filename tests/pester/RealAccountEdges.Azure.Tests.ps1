# The edges of what real accounts answer: an account with a hierarchical namespace whose information the credential may not read,
# an archived blob on a copy's destination, a copy out of an account without Blob Index, a table read throttled past the client's
# own retries.
BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    $script:Writes = 'PutBlob', 'PutBlockList', 'PutBlock', 'CopyBlob', 'CopyBlobFromUrl', 'SetBlobTags', 'DeleteBlob', 'LeaseBlob', 'CreateContainer',
        'SetBlobMetadata', 'SetBlobProperties', 'SetBlobTier'
    function Get-Writes {
        param([Parameter(Mandatory)] $Proxy)
        $ops = (Get-FaultProxyStats $Proxy).operations
        @($ops.PSObject.Properties | Where-Object { $script:Writes -contains $_.Name } | ForEach-Object { "$($_.Name)=$($_.Value)" })
    }
    # An account with a hierarchical namespace whose Get Account Information the credential may not ask (a SAS or role without it):
    # the module's facts are unknown, and it must still refuse before writing / still do the work it does when it knows.
    function Start-HnsUnknownProxy {
        Start-SuiteFaultProxy @{ hnsAccounts = @('devstoreaccount1'); failRules = @(@{ operation = 'GetAccountInfo'; status = 403; code = 'AuthorizationPermissionMismatch' }) }
    }
}

Describe 'An HNS account whose account information is refused' {
    It 'backs up and copies out its container, as it does when the account information is readable' {
        $s = New-SeededContainer -Legacy -Installations 1
        $proxy = Start-HnsUnknownProxy
        try {
            $via = Get-ProxiedStorage $proxy $s
            (Backup-PorterAzureContainer -Storage $via -Destination (Join-Path $TestDrive 'hns-unknown.zip') -ErrorAction Stop).Verified | Should -BeTrue
            $copy = Copy-PorterAzureContainer -Source $via -Destination (Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)) `
                -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
            $copy.Failed | Should -Be 0
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'refuses a restore of tagged blobs into it before writing anything' {
        $s = New-SeededContainer -Legacy -Installations 1
        $saved = (Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'tagged.zip')).Path
        $proxy = Start-HnsUnknownProxy
        try {
            $name = New-TestContainerName
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container $name
            { Restore-PorterAzureContainer -LiteralPath $saved -Storage $target -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'BlobIndexUnsupported*'
            Get-Writes $proxy | Should -BeNullOrEmpty -Because 'the restore was refused, so nothing of the backup may be in the container'
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'refuses a copy of tagged blobs into it without creating the container' {
        $other = New-SeededContainer -Connection $script:DestinationConnection -Installations 1
        $proxy = Start-HnsUnknownProxy
        try {
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container (New-TestContainerName)
            { Copy-PorterAzureContainer -Source $other -Destination $target -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'BlobIndexUnsupported*'
            Get-Writes $proxy | Should -BeNullOrEmpty
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'A destination blob a lifecycle rule archived' {
    It 'is not reported Verified by a copy (Porter cannot read it)' {
        $s = New-SeededContainer -Installations 1
        $name = New-TestContainerName
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $name
        (Copy-PorterAzureContainer -Source $s -Destination $dest -Confirm:$false -WarningAction SilentlyContinue).Verified | Should -BeTrue
        $blob = ((Get-ContainerDigest -Storage $dest | Where-Object { $_ -like 'claims/*' } | Select-Object -First 1) -split ' ')[0]
        Invoke-OtherBlobWriter -ConnectionString $script:DestinationConnection -Container $name -Blob $blob -Action SetTier -Tier Archive
        $again = Copy-PorterAzureContainer -Source $s -Destination $dest -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $again.Verified | Should -BeFalse -Because "'$blob' on the destination is in the Archive tier"
    }
}

Describe 'The way out BlobIndexUnsupported advises: copy the HNS container to an account with Blob Index' {
    It 'does not report the copy Verified while Porter''s tag queries cannot list the destination (or it says to rebuild the tags)' {
        $s = New-SeededContainer -Installations 2
        $proxy = Start-SuiteFaultProxy @{ hnsAccounts = @('devstoreaccount1') }
        try {
            $dest = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $copy = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $s) -Destination $dest -Confirm:$false -WarningVariable told -WarningAction SilentlyContinue
            $copy.Failed | Should -Be 0
            $check = Test-PorterStorage -Storage $dest
            @($check.Findings | Where-Object Code -eq 'UntaggedBlob').Count | Should -BeGreaterThan 0 -Because 'an HNS account has no tags to copy'
            ($copy.Verified -eq $false -or "$told" -match 'Repair-PorterAzureBlobTag') | Should -BeTrue -Because 'Porter lists by tags and finds nothing on the destination'
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'A table read throttled (429 x-ms-retry-after-ms) past the client''s 12 retries' {
    It 'finishes (reads get the writes'' budget) or stops with a named id and advice, not the raw "HTTP 429 TooManyRequests"' {
        . (Join-Path $PSScriptRoot '../SampleTable.ps1')
        $table = 't' + [Guid]::NewGuid().ToString('N').Substring(0, 20)
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 3
        $proxy = Start-SuiteFaultProxy @{ tableRetryAfterMs = 5; tableThrottleNext = @{ operation = 'QueryEntities'; count = 14 } } -Table
        try {
            $source = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Table $table
            $caught = $null
            try { $null = Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'throttled-read') -ErrorAction Stop } catch { $caught = $_ }
            if ($caught) { $caught.FullyQualifiedErrorId | Should -Not -BeLike 'AzureRequestFailed,*' -Because $caught.Exception.Message }
        }
        finally { Stop-FaultProxy $proxy }
    }
}
