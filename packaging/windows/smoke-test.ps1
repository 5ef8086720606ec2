# The MSI installed silently, tested from the installed files alone, removed (elevated shell).
param([Parameter(Mandatory)] [string] $Msi, [string] $Data = "..\shared\data")
$ErrorActionPreference = "Stop"
$site = Join-Path $env:TEMP "yomi-site.toml"
Set-Content $site "[station]`nlanguage = `"ja`"`n"
Start-Process msiexec -Wait -ArgumentList "/i `"$Msi`" /qn ALLUSERS=1 SITECONFIG=`"$site`" /l*v install.log"
$yomi = "$env:ProgramFiles\Yomi\yomi.exe"
$env:YOMI_SITE_DIR = "$env:ProgramData\Yomi"          # a new shell would have it from the machine environment
& $yomi --version; if ($LASTEXITCODE) { throw "--version" }
$show = & $yomi config show --json | ConvertFrom-Json
if ($show.settings.'station.language'.value -ne "ja") { throw "site file not installed" }
$j2k = Get-ChildItem "$Data\transfer-syntax\*JPEG2000*" | Select-Object -First 1
& $yomi inspect "$Data\ct\lung-dx-a0001\series-2-5mm" --json | Out-Null; if ($LASTEXITCODE) { throw "inspect" }
& $yomi render $j2k.FullName --out j2k.png; if ($LASTEXITCODE) { throw "render J2K" }
$p = Start-Process $yomi -ArgumentList "--demo" -PassThru; Start-Sleep 20
if ($p.HasExited) { throw "yomi --demo exited" }
Add-Type -AssemblyName System.Windows.Forms, System.Drawing
$b = [System.Windows.Forms.Screen]::PrimaryScreen.Bounds; $bmp = New-Object System.Drawing.Bitmap $b.Width, $b.Height
[System.Drawing.Graphics]::FromImage($bmp).CopyFromScreen($b.Location, [System.Drawing.Point]::Empty, $b.Size)
$bmp.Save("demo-windows.png"); Stop-Process $p
Start-Process msiexec -Wait -ArgumentList "/x `"$Msi`" /qn /l*v uninstall.log"
if (Test-Path "$env:ProgramFiles\Yomi") { throw "Program Files\Yomi left behind" }
