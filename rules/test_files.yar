// Test files: known harmless samples used to check that scanning works end to end.

rule eicar_test_file
{
    meta:
        description = "EICAR anti-virus test file (harmless)"
        author = "peel"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
        score = 10
    strings:
        // The two halves of the 68-byte test string, so this file is not itself the sample.
        $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
        $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $head at 0 and $tail at 28 and filesize < 128
}
