"""Deployment of the kiosk on a Debian 12 public computer: the files installed (`deploy/files/`, laid out as
they land under `/`) and `kiosk-setup`, the installer (`deploy.installer`). See docs/deployment.md."""
