// Package browser launches Chromium, or connects to a remote one, and gives
// each LinkedIn account its own incognito browser context while it acts.
//
// It never downloads a browser: the binary comes from Options.Bin, the
// CHROME_BIN environment variable or launcher.LookPath, and without one Launch
// says what to install. Chromium runs headless by default with the flags that
// keep it quiet on a closed network, with --no-sandbox only when running as
// root, and without any device or user-agent emulation: Pacer does not spoof
// browser fingerprints.
//
// A launched Chromium is guarded twice against leaks: leakless kills it if the
// Go process dies, and Close kills its whole process group and waits for it to
// exit, so neither a shutdown nor a crashed page leaves Chromium processes
// behind.
package browser
