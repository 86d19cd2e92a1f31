#!/usr/bin/perl
# Builds tests/geo/data/country.mmdb and asn.mmdb, the small MaxMind-format
# databases that tests/unit/test_geo.c checks tt_geo against. They mirror
# tests/geo/make-libloc.c (table in docs/classification.md, "Source attributes"), shaped like
# GeoLite2-Country and GeoLite2-ASN, in documentation address space only.
#
#   apt-get install libmaxmind-db-writer-perl
#   perl make-mmdb.pl OUTDIR
#
# remove_reserved_networks => 0: the writer would otherwise silently drop the
# documentation networks. The build epoch is fixed (2024-01-01) so that the
# output does not depend on when it is built.
use strict;
use warnings;
use utf8;
use MaxMind::DB::Writer::Tree;

my $outdir = shift or die "usage: make-mmdb.pl OUTDIR\n";
my $epoch = 1704067200;

sub country {
    my ($cc, $name) = @_;
    return { iso_code => $cc, names => { en => $name } };
}

my %types = (
    country                        => 'map',
    registered_country             => 'map',
    names                          => 'map',
    traits                         => 'map',
    iso_code                       => 'utf8_string',
    en                             => 'utf8_string',
    is_anycast                     => 'boolean',
    is_satellite_provider          => 'boolean',
    is_anonymous_proxy             => 'boolean',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub tree {
    my ($type, $description) = @_;
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 24,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => $description },
        map_key_type_callback    => sub { $types{ $_[0] } // die "no type for key $_[0]\n" },
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4       => 1,
    );
    $tree->_set_build_epoch($epoch);
    return $tree;
}

sub write_tree {
    my ($tree, $file) = @_;
    open my $fh, '>:raw', "$outdir/$file" or die "$outdir/$file: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$outdir/$file: $!\n";
}

# Larger networks first: a later insert of a subnet overrides its part.
my $c = tree('teiten-Test-Country', 'teiten test countries (tests/geo/make-mmdb.pl)');
$c->insert_network('192.0.2.0/24',     { country => country('JP', 'Japan') });
$c->insert_network('192.0.2.128/25',   { country => country('US', 'United States'), traits => { is_anycast => 1 } });
$c->insert_network('198.51.100.0/24',  { country => country('DE', 'Germany'), traits => { is_satellite_provider => 1 } });
$c->insert_network('198.51.100.64/26', { country => country('NL', 'Netherlands'), traits => { is_anonymous_proxy => 1 } });
$c->insert_network('203.0.113.0/25',   { country => country('CN', 'China') });
$c->insert_network('2001:db8::/32',    { country => country('FR', 'France'), registered_country => country('FR', 'France') });
$c->insert_network('2001:db8:1::/48',  { country => country('GB', 'United Kingdom'), traits => { is_anycast => 1 } });
# No "country": the registered country stands in.
$c->insert_network('2001:db8:2::/48',  { registered_country => country('SE', 'Sweden') });
$c->insert_network('2001:db8:4::/48',  { country => country('KR', 'Korea, Republic of') });
write_tree($c, 'country.mmdb');

sub as {
    my ($asn, $name) = @_;
    return { autonomous_system_number => $asn, defined $name ? (autonomous_system_organization => $name) : () };
}

my $as_tree = tree('teiten-Test-ASN', 'teiten test ASes (tests/geo/make-mmdb.pl)');
$as_tree->insert_network('192.0.2.0/24',     as(64500, 'Example Telescope Net'));
$as_tree->insert_network('192.0.2.128/25',   as(64501, 'Example Anycast CDN'));
$as_tree->insert_network('198.51.100.0/24',  as(64502, 'Orbit Satellite Ünion'));
$as_tree->insert_network('198.51.100.64/26', as(64503, 'Proxy Co'));
$as_tree->insert_network('203.0.113.0/25',   as(64504, 'Hostile Hosting'));
$as_tree->insert_network('203.0.113.128/26', as(64508, 'Only ASN Ltd'));
$as_tree->insert_network('2001:db8::/32',    as(64505, 'Example v6 Carrier'));
$as_tree->insert_network('2001:db8:1::/48',  as(64506, 'Anycast Six'));
$as_tree->insert_network('2001:db8:4::/48',  as(64510));    # an AS without a name
write_tree($as_tree, 'asn.mmdb');
