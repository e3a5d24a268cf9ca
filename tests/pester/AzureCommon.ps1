# Set-up for the Azure Pester files: Azurite's connection strings (from build.ps1) and containers seeded through
# Restore-PorterAzureContainer from archives in the exact shapes of Porter's azure.blob plugin (tests/SampleContainer.ps1).
. (Join-Path $PSScriptRoot 'Common.ps1')
. (Join-Path $PSScriptRoot '../Azurite.ps1')
. (Join-Path $PSScriptRoot '../SampleContainer.ps1')

$script:SourceConnection = $env:PORTERSTORAGE_AZURITE_CS1
$script:DestinationConnection = $env:PORTERSTORAGE_AZURITE_CS2
if (-not $script:SourceConnection) { throw 'Azurite is not running: run the tests through build.ps1 Test.' }

function New-TestContainerName { 'c' + [Guid]::NewGuid().ToString('N').Substring(0, 20) }

function New-SeededContainer {
    param([string] $Connection = $script:SourceConnection, [int] $Installations = 5, [switch] $Legacy, [switch] $NoSchema, [string] $Secret = 'value',
        [string] $Name = (New-TestContainerName))
    $name = $Name
    $archive = Join-Path $TestDrive "$name-$([Guid]::NewGuid().ToString('N').Substring(0, 8)).zip"
    New-PorterBlobStoreArchive -Path $archive -Installations $Installations -Legacy:$Legacy -NoSchema:$NoSchema -Secret $Secret | Out-Null
    $storage = Get-PorterAzureStorage -ConnectionString $Connection -Container $name
    Restore-PorterAzureContainer -Path $archive -Storage $storage -Confirm:$false | Out-Null
    $storage
}
