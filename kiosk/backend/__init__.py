"""The municipal backend client (`kiosk.backend.client`): typed results and typed errors; no HTTP object
leaves it."""
