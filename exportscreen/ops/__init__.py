"""Operations: loading files, downloading updates, the scheduler, status and backups."""
