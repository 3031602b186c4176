// Tor and VPN artefacts: configuration a suspect used to hide where they connect from.

rule tor_torrc
{
    meta:
        description = "Tor configuration (torrc) with client, bridge or onion-service settings"
        author = "peel"
        reference = "https://2019.www.torproject.org/docs/tor-manual.html.en"
        score = 50
    strings:
        $socks = "SocksPort "
        $control = "ControlPort "
        $hs = "HiddenServiceDir "
        $bridges = "UseBridges 1"
        $transport = "ClientTransportPlugin "
        $datadir = "DataDirectory "
    condition:
        2 of them
}

rule tor_state_file
{
    meta:
        description = "Tor state file (written by a Tor client, records guards and version)"
        author = "peel"
        reference = "https://gitlab.torproject.org/tpo/core/tor/-/blob/main/src/app/config/statefile.c"
        score = 50
    strings:
        $header = "# Tor state file last generated on"
        $version = "TorVersion Tor "
    condition:
        $header at 0 and $version
}

rule tor_browser_prefs
{
    meta:
        description = "Tor Browser profile preferences (prefs.js of a Tor Browser profile)"
        author = "peel"
        reference = "https://gitlab.torproject.org/tpo/applications/tor-browser"
        score = 50
    strings:
        $prefs = "user_pref(\""
        $launcher = "user_pref(\"extensions.torlauncher."
        $tb = "user_pref(\"torbrowser."
    condition:
        $prefs and ($launcher or $tb)
}

rule onion_v3_address
{
    meta:
        description = "Tor v3 onion-service address"
        author = "peel"
        reference = "https://spec.torproject.org/rend-spec/encoding-onion-addresses.html"
        score = 40
    strings:
        $onion = /[a-z2-7]{55}d\.onion/
    condition:
        $onion
}

rule openvpn_config
{
    meta:
        description = "OpenVPN client configuration"
        author = "peel"
        reference = "https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/"
        score = 40
    strings:
        $client = /\bclient\r?\n/
        $remote = /\bremote [^\r\n]+/
        $dev = /\bdev (tun|tap)\b/
        $ca = "<ca>"
        $auth = "auth-user-pass"
    condition:
        $remote and ($client or $dev) and ($ca or $auth)
}

rule wireguard_config
{
    meta:
        description = "WireGuard configuration with a private key"
        author = "peel"
        reference = "https://www.wireguard.com/quickstart/"
        score = 50
    strings:
        $interface = "[Interface]"
        $key = /PrivateKey ?= ?[A-Za-z0-9+\/]{42}[AEIMQUYcgkosw048]=/
        $peer = "[Peer]"
    condition:
        all of them
}
