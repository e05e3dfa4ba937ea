"""The kiosk shell's screens: attract, idle warning, staff access, goodbye, errors."""
