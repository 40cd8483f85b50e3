package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// userConfig is the CLI's own settings file, <user config dir>/charter/
// config.json (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config on Linux),
// written by 'charter profile use'.
type userConfig struct {
	// Profile is the acting profile when neither --as nor
	// $CHARTER_PROFILE names one.
	Profile string `json:"profile,omitempty"`
	// ProfilesFile is the profiles file used when neither
	// --profiles-file, $CHARTER_PROFILES nor a nearby
	// .charter/network/profiles.json names one.
	ProfilesFile string `json:"profilesFile,omitempty"`

	path string // where it was read from, or would be written
}

// userConfigPath returns where the user config lives.
func (a *app) userConfigPath() (string, error) {
	if a.userConfigDir == nil {
		return "", errors.New("no user config directory")
	}
	dir, err := a.userConfigDir()
	if err != nil {
		return "", fmt.Errorf("user config directory: %w (pass --as and --profiles-file instead)", err)
	}
	return filepath.Join(dir, "charter", "config.json"), nil
}

// readUserConfig reads the user config; a missing file is an empty config,
// an unreadable or malformed one an error naming the file and the fix.
func (a *app) readUserConfig() (userConfig, error) {
	path, err := a.userConfigPath()
	if err != nil {
		return userConfig{}, nil // no config directory: nothing saved
	}
	uc := userConfig{path: path}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return uc, nil
	}
	if err != nil {
		return uc, fmt.Errorf("user config %s: %w (fix its permissions or remove it)", path, err)
	}
	if err := json.Unmarshal(raw, &uc); err != nil {
		return uc, fmt.Errorf("user config %s: malformed JSON: %v (remove it, then run 'charter profile use NAME')", path, err)
	}
	uc.path = path
	return uc, nil
}

// writeUserConfig saves uc where readUserConfig reads it.
func (a *app) writeUserConfig(uc userConfig) (string, error) {
	path, err := a.userConfigPath()
	if err != nil {
		return "", err
	}
	raw, err := json.MarshalIndent(uc, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode user config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("user config: %w", err)
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("user config: %w", err)
	}
	return path, nil
}
