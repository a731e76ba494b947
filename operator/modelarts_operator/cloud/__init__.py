"""The ModelArts cloud client: signing, endpoints, error bodies and outcome classification."""
