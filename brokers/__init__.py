"""The broker configuration shipped with Smart Hall (package data): Mosquitto's settings and ACL for a hall."""
