"""The citizen portal's views: home, filing, tracking and My grievances."""
