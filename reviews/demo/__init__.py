"""Demo data for the portal: the BOLD report's audiences, principles and use cases."""
