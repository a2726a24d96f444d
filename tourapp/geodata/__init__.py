"""Streets and places: routing legs, geocoding addresses, street names."""
