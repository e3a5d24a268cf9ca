# Shared set-up for the Pester files: the staged module, the sample homes, a child pwsh.
Import-Module PorterStorage -Force -ErrorAction Stop
. (Join-Path $PSScriptRoot '../SampleHome.ps1')

# Starts a fresh pwsh the way this one was started (pwsh.dll under 'dotnet', or a pwsh executable).
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Command)
    $exe = [Environment]::ProcessPath
    $arguments = @()
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments += Join-Path $PSHOME 'pwsh.dll' }
    $arguments += '-NoProfile', '-NonInteractive', '-Command', $Command
    $output = & $exe @arguments 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
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
function Set-ArchiveByteFlip {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $EntryName)
    $bytes = [IO.File]::ReadAllBytes($Path)
    # Latin-1 maps every byte to one char, so a string search finds the entry's local header name.
    $at = [Text.Encoding]::Latin1.GetString($bytes).IndexOf($EntryName, [StringComparison]::Ordinal)
    if ($at -lt 0) { throw "Entry $EntryName not found." }
    $i = $at + $EntryName.Length + 40
    $bytes[$i] = $bytes[$i] -bxor 1
    [IO.File]::WriteAllBytes($Path, $bytes)
}
