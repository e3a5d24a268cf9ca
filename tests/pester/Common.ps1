# Shared set-up for the Pester files: the staged module, the sample homes, a child pwsh.
Import-Module PorterStorage -Force -ErrorAction Stop
. (Join-Path $PSScriptRoot '../SampleHome.ps1')

. (Join-Path $PSScriptRoot '../ChildPwsh.ps1')

# Runs a fresh pwsh to its end; its exit code and all it printed.
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Command)
    Invoke-ChildProcess (New-ChildPwshStartInfo $Command)
}

# A map of relative path -> "mode size sha256" for every file under a folder (for tree equality).
function Get-TreeDigest {
    param([Parameter(Mandatory)] [string] $Path)
    $result = [ordered]@{}
    foreach ($f in Get-ChildItem -LiteralPath $Path -Recurse -Force -File | Sort-Object FullName) {
        $rel = [IO.Path]::GetRelativePath($Path, $f.FullName)
        $mode = if ($IsWindows) { '' } else { [Convert]::ToString([int][IO.File]::GetUnixFileMode($f.FullName), 8) }
        $result[$rel] = '{0} {1} {2}' -f $mode, $f.Length, (Get-FileHash -LiteralPath $f.FullName -Algorithm SHA256).Hash
    }
    $result
}

# Flips one bit inside the stored content of an archive entry.
# The entries of a backup archive, zip or tar.gz, read by .NET's own readers (not the module's): Name and Content.
function Get-ArchiveEntry {
    param([Parameter(Mandatory)] [string] $Path)
    $bytes = [IO.File]::ReadAllBytes($Path)
    if ($bytes[0] -eq 0x1F -and $bytes[1] -eq 0x8B) {
        $gz = [IO.Compression.GZipStream]::new([IO.MemoryStream]::new($bytes), [IO.Compression.CompressionMode]::Decompress)
        $tar = [Formats.Tar.TarReader]::new($gz)
        try {
            while ($null -ne ($e = $tar.GetNextEntry($true))) {
                $content = [IO.MemoryStream]::new()
                if ($e.DataStream) { $e.DataStream.CopyTo($content) }
                [pscustomobject]@{ Name = $e.Name; Content = $content.ToArray() }
            }
        }
        finally { $tar.Dispose(); $gz.Dispose() }
        return
    }
    $zip = [IO.Compression.ZipArchive]::new([IO.MemoryStream]::new($bytes))
    try {
        foreach ($e in $zip.Entries) {
            $content = [IO.MemoryStream]::new(); $s = $e.Open(); $s.CopyTo($content); $s.Dispose()
            [pscustomobject]@{ Name = $e.FullName; Content = $content.ToArray() }
        }
    }
    finally { $zip.Dispose() }
}

# The manifest of a backup archive, parsed.
function Get-ArchiveManifest {
    param([Parameter(Mandatory)] [string] $Path)
    $m = Get-ArchiveEntry -Path $Path | Where-Object Name -eq 'manifest.json'
    [Text.Encoding]::UTF8.GetString($m.Content) | ConvertFrom-Json
}

# Flips one byte of an entry's content: in a zip, inside its compressed data; in a tar.gz, inside the tar (the
# stream is decompressed, changed and compressed again, so the archive still reads and only that entry differs).
function Set-ArchiveByteFlip {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $EntryName)
    $bytes = [IO.File]::ReadAllBytes($Path)
    $gzip = $bytes[0] -eq 0x1F -and $bytes[1] -eq 0x8B
    if ($gzip) {
        $in = [IO.Compression.GZipStream]::new([IO.MemoryStream]::new($bytes), [IO.Compression.CompressionMode]::Decompress)
        $tar = [IO.MemoryStream]::new(); $in.CopyTo($tar); $in.Dispose()
        $bytes = $tar.ToArray()
    }
    # Latin-1 maps every byte to one char, so a string search finds the entry's header name.
    $at = [Text.Encoding]::Latin1.GetString($bytes).IndexOf($EntryName, [StringComparison]::Ordinal)
    if ($at -lt 0) { throw "Entry $EntryName not found." }
    $i = if ($gzip) { $at + 512 } else { $at + $EntryName.Length + 40 }
    $bytes[$i] = $bytes[$i] -bxor 1
    if ($gzip) {
        $out = [IO.MemoryStream]::new()
        $z = [IO.Compression.GZipStream]::new($out, [IO.Compression.CompressionLevel]::Optimal, $true); $z.Write($bytes, 0, $bytes.Length); $z.Dispose()
        $bytes = $out.ToArray()
    }
    [IO.File]::WriteAllBytes($Path, $bytes)
}

. (Join-Path $PSScriptRoot '../LegacyHomeGenerator.ps1')

# Every file under a folder except migration logs, with ULIDs masked, as sorted "path <tab> content" lines:
# two homes migrated separately compare equal when they hold the same documents.
function Get-MaskedTree {
    param([Parameter(Mandatory)] [string] $Path)
    $ulid = '[0-9A-HJKMNP-TV-Z]{26}'
    Get-ChildItem -LiteralPath $Path -Recurse -File -Force | Where-Object Name -notlike '*-migrate.log' | ForEach-Object {
        ([IO.Path]::GetRelativePath($Path, $_.FullName) -replace $ulid, '<ULID>') + "`t" + ((Get-Content -Raw -LiteralPath $_.FullName) -replace $ulid, '<ULID>')
    } | Sort-Object
}

# Starts a child pwsh with its standard output readable line by line.
function Start-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Command)
    $psi = New-ChildPwshStartInfo $Command
    $psi.RedirectStandardOutput = $true
    [Diagnostics.Process]::Start($psi)
}

function Wait-ChildLine {
    param([Parameter(Mandatory)] [Diagnostics.Process] $Process, [Parameter(Mandatory)] [string] $Line)
    while ($null -ne ($read = $Process.StandardOutput.ReadLine())) {
        if ($read -eq $Line) { return $true }
    }
    $false
}
