# A fresh pwsh started the way this one was (pwsh.dll under 'dotnet', or a pwsh executable). Dot-source it.
function New-ChildPwshStartInfo {
    param([Parameter(Mandatory)] [string] $Command)
    $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    if ([IO.Path]::GetFileNameWithoutExtension($psi.FileName) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $Command) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi
}
