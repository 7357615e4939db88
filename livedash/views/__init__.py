"""One blueprint per page or API; views stay thin and delegate to the modules they name."""
